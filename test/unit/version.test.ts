import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { VERSION } from "../../core/version.js";

it("the version GET /admin/health reports is package.json's", () => {
  expect(VERSION).toBe(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version);
});
