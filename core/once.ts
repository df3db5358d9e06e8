/**
 * `build()`'s value, built on the first call and kept. For module-level work a request may never
 * need (schemas, tables): module init then skips it, and the first use pays for it once.
 */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}
