/** Types for scripts/build.mjs (used by tests, bench and infra). */
import type { BuildOptions } from "esbuild";
export declare function buildTarget(name: "lambda" | "worker" | "node", opts?: { metafile?: boolean; sdk?: "bundled" | "external"; entry?: string; outfile?: string }): Promise<string>;
export declare function lambdaOptions(sdk?: "bundled" | "external"): BuildOptions;
export declare function workerOptions(): Record<string, unknown>;
export declare function nodeOptions(): Record<string, unknown>;
export declare function loadedAtInit(entry: string): string[];
export declare function builtFiles(entry: string): string[];
