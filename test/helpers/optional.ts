/**
 * Prerequisites that a plain `npm ci` on a fresh machine may not give, each checked without side
 * effects and answered as { ok: true } or { ok: false, reason } where the reason says what is
 * missing and what to install:
 *   lambdaRic()      aws-lambda-ric's native runtime client (an optional dependency that npm drops,
 *                    silently, when its build fails: it needs autotools, cmake, make, g++, python3)
 *   chromium()       Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH) for the dashboard's browser tests
 *   dynamoDbLocal()  Amazon's DynamoDB Local, which scripts/test.sh (npm test) and
 *                    test/store/run-dynamodb-local.sh start inside a loopback-only network namespace
 *                    (Java 17+, root or unprivileged user namespaces) and point to with STRAIT_DDB_LOCAL_ENDPOINT
 *
 * A test file calls skipWithout(import.meta.url, check) once at top level and passes the result to
 * describe.skipIf: when the check fails it prints one line, "skipped <file>: <reason>". In CI
 * (CI=true), which installs everything, a missing prerequisite is a bug, so the file fails instead.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export type Prerequisite = { ok: true } | { ok: false; reason: string };

const require = createRequire(import.meta.url);
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Whether `cmd` is an executable on PATH (no process started). */
export function onPath(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

/** The Debian packages for the missing tools, as `apt-get install -y … && ` (empty when none is missing). */
function aptFor(tools: [command: string, pkg: string][]): string {
  const pkgs = [...new Set(tools.filter(([cmd]) => !onPath(cmd)).map(([, pkg]) => pkg))];
  return pkgs.length ? `apt-get install -y ${pkgs.join(" ")} && ` : "";
}

/** What aws-lambda-ric 3.3.0's install scripts run: curl's autoreconf + configure, cmake, node-gyp (make, g++, python3). */
const RIC_BUILD_TOOLS: [string, string][] = [
  ["autoreconf", "autoconf"],
  ["automake", "automake"],
  ["libtoolize", "libtool"],
  ["cmake", "cmake"],
  ["make", "make"],
  ["g++", "g++"],
  ["python3", "python3"],
];

/** The native runtime client test/lambda/runtime.test.ts runs the bundled function under. */
export function lambdaRic(): Prerequisite {
  let dir: string;
  try {
    dir = dirname(require.resolve("aws-lambda-ric/package.json"));
  } catch {
    // npm removes an optional dependency whose install script failed; `npm rebuild` can't bring it back, `npm install` retries it.
    return { ok: false, reason: `aws-lambda-ric's native build is missing (npm dropped the optional dependency when its build failed) — ${aptFor(RIC_BUILD_TOOLS)}npm install` };
  }
  const addon = join(dir, "dist/rapid-client.node");
  if (!existsSync(addon)) {
    return { ok: false, reason: `aws-lambda-ric's native build is missing (no dist/rapid-client.node) — ${aptFor(RIC_BUILD_TOOLS)}npm rebuild aws-lambda-ric` };
  }
  // Loaded in a child process: the addon reads the Runtime API address as it loads and aborts the
  // whole process (a C++ exception) without one, so it must never be loaded into the test runner.
  const probe = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(addon)})`], { env: { ...process.env, AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9" }, encoding: "utf8", timeout: 10_000 });
  if (probe.status !== 0) {
    const first = (probe.stderr || `exit ${probe.status}`).split("\n").find((l) => l.trim()) ?? "";
    return { ok: false, reason: `aws-lambda-ric's native build does not load (${first.trim()}) — npm rebuild aws-lambda-ric` };
  }
  return { ok: true };
}

/** Where the browser tests find Chromium: CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export const chromiumPath = (): string => process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** A Chromium for playwright-core to drive (it never downloads one). */
export function chromium(): Prerequisite {
  if (existsSync(chromiumPath())) return { ok: true };
  return { ok: false, reason: `no Chromium at ${chromiumPath()} — apt-get install -y chromium (or set CHROMIUM_PATH)` };
}

/** Whether this user may create a network namespace as scripts/test.sh does: as root, or in a user namespace of its own. */
function canUnshareNet(): boolean {
  if (!onPath("unshare")) return false;
  const tryUnshare = (...flags: string[]) => spawnSync("unshare", [...flags, "--net", "--fork", process.execPath, "-e", ""], { stdio: "ignore", timeout: 10_000 }).status === 0;
  return tryUnshare() || tryUnshare("--map-root-user");
}

/** Amazon's DynamoDB Local, running and reachable at STRAIT_DDB_LOCAL_ENDPOINT. */
export function dynamoDbLocal(): Prerequisite {
  if (process.env.STRAIT_DDB_LOCAL_ENDPOINT) return { ok: true };
  const missing: string[] = [];
  const apt: string[] = [];
  if (!onPath("java")) {
    missing.push("Java 17+");
    apt.push("openjdk-17-jre-headless");
  }
  if (!onPath("ip")) {
    missing.push("ip");
    apt.push("iproute2");
  }
  const ns = canUnshareNet();
  if (!ns) missing.push("a network namespace (unshare --net: root, or unprivileged user namespaces)");
  if (missing.length) {
    const install = apt.length ? `apt-get install -y ${apt.join(" ")}` : "";
    const fix = ns ? [install, "npm test"].filter(Boolean).join(" && ") : [install, "run npm test as root"].filter(Boolean).join(", then ");
    return { ok: false, reason: `DynamoDB Local needs ${missing.join(", ")}, to run where only loopback is reachable — ${fix}` };
  }
  return {
    ok: false,
    reason: "STRAIT_DDB_LOCAL_ENDPOINT is not set — run this file through npm test or test/store/run-dynamodb-local.sh, which start DynamoDB Local in a loopback-only network namespace",
  };
}

const inCI = (): boolean => !!process.env.CI && !["0", "false"].includes(process.env.CI.toLowerCase());

/**
 * True when the test file at `fileUrl` (its import.meta.url) should skip: prints
 * "skipped <file>: <reason>" once. In CI a missing prerequisite throws instead, failing the file.
 */
export function skipWithout(fileUrl: string, ...checks: Prerequisite[]): boolean {
  const reasons = checks.flatMap((c) => (c.ok ? [] : [c.reason]));
  if (!reasons.length) return false;
  const file = relative(repoRoot, fileURLToPath(fileUrl));
  if (inCI()) throw new Error(`${file} cannot run in CI: ${reasons.join("; ")}`);
  console.log(`skipped ${file}: ${reasons.join("; ")}`);
  return true;
}
