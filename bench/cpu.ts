/**
 * A process's CPU time, read from /proc/<pid>/stat (utime + stime, in clock ticks): far less noisy
 * on a shared machine than requests/s, since it counts only the work the process itself did.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticks: number | undefined;

/** Clock ticks a second (`getconf CLK_TCK`, normally 100). */
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** User + system CPU time in a /proc stat file, in microseconds (resolution: one tick, 10 ms). */
function statMicros(path: string): number {
  const stat = readFileSync(path, "utf8");
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1_000_000) / clockTicks();
}

/** User + system CPU time the process has used so far, in microseconds: all its threads. */
export const cpuMicros = (pid: number): number => statMicros(`/proc/${pid}/stat`);

/**
 * The same for the process's main thread alone: the JavaScript. The rest of a Node process's CPU
 * is V8's helper threads (concurrent marking, parallel scavenges, optimising compiles) and
 * libuv's pool.
 */
export const mainThreadCpuMicros = (pid: number): number => statMicros(`/proc/${pid}/task/${pid}/stat`);

/** Runs `work` and returns its result with the CPU microseconds each of `pids` spent meanwhile. */
export async function withCpu<T>(pids: number[], work: () => Promise<T>): Promise<{ result: T; cpu: number[] }> {
  const before = pids.map(cpuMicros);
  const result = await work();
  return { result, cpu: pids.map((p, i) => cpuMicros(p) - before[i]!) };
}
