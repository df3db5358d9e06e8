import { build } from "esbuild";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** core/ must run on Workers, Lambda and Node alike: Web APIs only. */
const CORE = join(import.meta.dirname, "../../core");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

describe("core/ portability", () => {
  it("bundles for a worker platform, where no Node built-in module resolves", async () => {
    const result = await build({
      entryPoints: [join(CORE, "app.ts")],
      bundle: true,
      write: false,
      platform: "browser",
      conditions: ["worker", "browser"],
      format: "esm",
      logLevel: "silent",
    });
    expect(result.errors).toEqual([]);
    expect(result.outputFiles[0]!.text).not.toMatch(/from\s*["']node:/);
  });

  it("uses no Node-only globals or modules in its source", () => {
    const offenders = files(CORE).flatMap((f) => {
      const src = readFileSync(f, "utf8");
      const hits = [/from\s+["']node:/, /\brequire\(/, /\bprocess\.(env|exit|on|stdout)/, /\bBuffer\./, /\b__dirname\b/].filter((re) => re.test(src));
      return hits.map((re) => `${f}: ${re}`);
    });
    expect(offenders).toEqual([]);
  });

  it("has no import cycles (type-only imports aside): a reader can follow any file down to its leaves", async () => {
    const result = await build({
      entryPoints: files(CORE),
      bundle: true,
      write: false,
      outdir: "out",
      platform: "neutral",
      format: "esm",
      packages: "external",
      metafile: true,
      logLevel: "silent",
    });
    const graph = new Map<string, string[]>();
    for (const [file, info] of Object.entries(result.metafile.inputs)) {
      if (file.startsWith("core/")) graph.set(file, info.imports.map((i) => i.path).filter((p) => p.startsWith("core/")));
    }
    expect(graph.size).toBeGreaterThan(50);
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === "done") return;
      if (state.get(f) === "open") {
        cycles.push([...path.slice(path.indexOf(f)), f].join(" → "));
        return;
      }
      state.set(f, "open");
      for (const next of graph.get(f) ?? []) visit(next, [...path, f]);
      state.set(f, "done");
    };
    for (const f of graph.keys()) visit(f, []);
    expect(cycles).toEqual([]);
  });
});
