/** `npm start` with the embedded store: starts, serves, releases the data folder on SIGTERM, starts again. */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "strait-start-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(): Promise<{ url: string; store: string; stop(): Promise<number | null> }> {
  const child = spawn(process.execPath, ["--import", "tsx", "functions/node.ts"], {
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", STRAIT_DATA_DIR: dir, STRAIT_STORE: "", STRAIT_CONFIG: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));
  const listening = await new Promise<Record<string, string>>((ok, fail) => {
    const onData = (b: Buffer) => {
      out += b;
      for (const line of out.split("\n")) {
        if (line.includes('"msg":"listening"')) return ok(JSON.parse(line));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then((code) => fail(new Error(`exited with ${code}: ${out}`)));
  });
  return { url: listening.url!, store: listening.store!, stop: () => (child.kill("SIGTERM"), exited) };
}

it("starts on the embedded store, says where, and frees the folder for the next start", async () => {
  const first = await start();
  expect(first.store).toBe(`embedded (dynalite) in ${dir}`);
  expect((await fetch(`${first.url}/health`)).status).toBe(200);
  expect(existsSync(join(dir, "strait.pid"))).toBe(true);
  expect(await first.stop()).toBe(0);
  expect(existsSync(join(dir, "strait.pid"))).toBe(false);

  const second = await start();
  expect((await fetch(`${second.url}/health`)).status).toBe(200);
  expect(await second.stop()).toBe(0);
}, 60_000);
