/** functions/node/v8-flags.ts: the local server's V8 settings, set before any of its other code runs. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";

const setFlagsFromString = vi.fn();
vi.mock("node:v8", () => ({ setFlagsFromString }));

const root = join(import.meta.dirname, "../..");
const importsOf = (file: string) => [...readFileSync(join(root, file), "utf8").matchAll(/^import\s+(?:[^"';]*?\s+from\s+)?["']([^"']+)["'];?$/gm)].map((m) => m[1]);

describe("the local server's V8 flags", () => {
  it("turns allocation-site pretenuring off", async () => {
    await import("../../functions/node/v8-flags.js");
    expect(setFlagsFromString).toHaveBeenCalledWith("--no-allocation-site-pretenuring");
  });

  it("are set by the entry's first import, which imports nothing else, so they hold before the gateway's code runs", () => {
    expect(importsOf("functions/node.ts")[0]).toBe("./node/v8-flags.js");
    expect(importsOf("functions/node/v8-flags.ts")).toEqual(["node:v8"]);
  });
});
