import { isLogId, MAX_LOG_AT } from "./log-checks.js";
import type { LogPosition } from "./log-table.js";

/**
 * The request log's page cursor: the position of the last entry returned (newest first by `at`,
 * then `id`), as base64url of `[at, id]`. One position serves every shard: each continues below it.
 */
export function encodeLogCursor(p: LogPosition): string {
  const bytes = new TextEncoder().encode(JSON.stringify([p.at, p.id]));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The position a cursor names; a RangeError when it is not one encodeLogCursor made. */
export function decodeLogCursor(cursor: string): LogPosition {
  let position: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,4096}$/.test(cursor)) throw new Error("not base64url");
    const binary = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    position = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
  } catch {
    position = undefined;
  }
  if (!Array.isArray(position) || position.length !== 2 || !Number.isSafeInteger(position[0]) || position[0] < 0 || position[0] > MAX_LOG_AT || !isLogId(position[1])) {
    throw new RangeError("malformed log cursor: pass back the cursor a previous page returned, unchanged");
  }
  return { at: position[0], id: position[1] };
}
