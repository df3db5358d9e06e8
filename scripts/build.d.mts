/** Types for scripts/build.mjs (used by tests and bench). */
export declare function buildTarget(name: "lambda" | "worker" | "node", opts?: { metafile?: boolean; sdk?: "bundled" | "external"; entry?: string; outfile?: string }): Promise<string>;
export declare function lambdaOptions(sdk?: "bundled" | "external"): Record<string, unknown>;
export declare function workerOptions(): Record<string, unknown>;
export declare function nodeOptions(): Record<string, unknown>;
