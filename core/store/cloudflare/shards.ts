/**
 * FNV-1a over the text, modulo `count`: a fast, stable spread of ids over a fixed number of
 * objects. The same text always lands on the same shard, so changing `count` moves data: fixed.
 */
export function shardOf(text: string, count: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % count;
}
