import type { Logger } from "../../core/runtime.js";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
type Level = keyof typeof LEVELS;

/**
 * One JSON object a console line: Workers Logs and `wrangler tail` index the fields. The core
 * never hands the logger a secret; fields are written as given.
 */
export function consoleLogger(levelName: string | undefined): Logger {
  const min = LEVELS[(levelName && levelName in LEVELS ? levelName : "info") as Level];
  const at = (level: Exclude<Level, "silent">, write: (line: string) => void) => (msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] >= min) write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }));
  };
  return {
    debug: at("debug", (l) => console.debug(l)),
    info: at("info", (l) => console.log(l)),
    warn: at("warn", (l) => console.warn(l)),
    error: at("error", (l) => console.error(l)),
  };
}
