import type { Logger } from "../../core/runtime.js";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

/**
 * One JSON object a line. The core never hands it a secret; fields are written as given, after
 * `base` (a cluster worker's pid).
 */
export function jsonLogger(level: LogLevel = "info", write: (line: string) => void = (l) => process.stdout.write(l), base: Record<string, unknown> = {}): Logger {
  const min = LEVELS[level] ?? LEVELS.info;
  const at = (lvl: Exclude<LogLevel, "silent">) => (msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[lvl] < min) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...base, ...fields })}\n`);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export function logLevelFrom(value: string | undefined): LogLevel {
  return value && value in LEVELS ? (value as LogLevel) : "info";
}
