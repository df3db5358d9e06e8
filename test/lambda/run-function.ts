import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { startLambdaEmulator, type LambdaEmulator } from "../helpers/lambda-runtime-api.js";

const require = createRequire(import.meta.url);

/** The runtime client's CLI (`npx aws-lambda-ric <handler>` runs this file). */
export function ricBin(): string {
  return join(dirname(require.resolve("aws-lambda-ric/package.json")), "bin/index.mjs");
}

export interface RunningFunction {
  emu: LambdaEmulator;
  child: ChildProcess;
  output(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

/**
 * Starts aws-lambda-ric on `dir`/index.mjs's `handler` export, as the Lambda Node.js runtime would,
 * polling a fresh emulator. The environment is only what is given (plus PATH): no AWS credentials.
 */
export async function runFunction(dir: string, handler: string, env: Record<string, string> = {}): Promise<RunningFunction> {
  const emu = await startLambdaEmulator();
  let out = "";
  let exited = false;
  const child = spawn(process.execPath, [ricBin(), `index.${handler}`], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "",
      AWS_LAMBDA_RUNTIME_API: emu.runtimeApi,
      AWS_LAMBDA_FUNCTION_NAME: "strait",
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "1024",
      LAMBDA_TASK_ROOT: dir,
      _HANDLER: `index.${handler}`,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exit = new Promise<void>((r) => child.on("exit", () => ((exited = true), r())));
  // Ready when the runtime has loaded the handler and polls for work; fail loudly if it dies first.
  let timer: NodeJS.Timeout | undefined;
  const ready = await Promise.race([
    emu.polled.then(() => "ready"),
    exit.then(() => "exited"),
    new Promise<string>((r) => (timer = setTimeout(() => r("timeout"), 30_000))),
  ]);
  clearTimeout(timer);
  if (ready !== "ready") {
    if (!exited) child.kill("SIGKILL");
    await emu.close();
    throw new Error(`aws-lambda-ric ${ready} before polling for an event:\n${out}\n${emu.initErrors.join("\n")}`);
  }
  return {
    emu,
    child,
    output: () => out,
    exited: () => exited,
    async stop() {
      if (!exited) {
        const gone = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await gone;
      }
      await emu.close();
    },
  };
}
