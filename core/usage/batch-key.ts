/**
 * A batch's id from four parts, NUL-joined, with the last one remembered: consecutive calls mostly
 * share their caller, model and hour, and comparing the parts costs less than building the id
 * anew — a fresh string is flattened and hashed again at every Map lookup of its Coalescer.
 */
export function batchKeys(): (a: string, b: string, c: string, d: string) => string {
  let last: [string, string, string, string, string] | undefined;
  return (a, b, c, d) => {
    if (last && last[0] === a && last[1] === b && last[2] === c && last[3] === d) return last[4];
    const key = `${a}\u0000${b}\u0000${c}\u0000${d}`;
    last = [a, b, c, d, key];
    return key;
  };
}
