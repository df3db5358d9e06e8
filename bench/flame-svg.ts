/**
 * A V8 .cpuprofile (what `node --cpu-prof` writes) as an SVG flame graph: the call tree merged by
 * frame, each frame's width its sampled time (idle excluded), the root at the bottom, one
 * <rect> with a <title> per frame. Frames under `minShare` of the total are merged into one
 * "small frames" box per parent, which keeps the file small. Colour says where the code lives.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: CallFrame; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

type Origin = "strait" | "node" | "undici" | "hono" | "gc" | "other";

interface Frame {
  name: string;
  where: string;
  origin: Origin;
  self: number;
  total: number;
  children: Map<string, Frame>;
}

const PALETTE: Record<Origin, { hue: number; sat: number; label: string }> = {
  strait: { hue: 28, sat: 90, label: "Strait (the gateway bundle)" },
  hono: { hue: 280, sat: 55, label: "Hono" },
  undici: { hue: 205, sat: 70, label: "undici" },
  node: { hue: 120, sat: 45, label: "Node internals, V8, native" },
  gc: { hue: 0, sat: 75, label: "garbage collector" },
  other: { hue: 50, sat: 60, label: "other dependencies" },
};

function originOf(f: CallFrame): Origin {
  const url = f.url;
  if (f.functionName === "(garbage collector)") return "gc";
  if (url.includes("node_modules/undici")) return "undici";
  if (url.includes("node_modules/hono") || url.includes("node_modules/@hono")) return "hono";
  if (url.includes("node_modules/")) return "other";
  if (url.includes("/dist/") || url.includes("/core/") || url.includes("/functions/")) return "strait";
  return "node";
}

function whereOf(f: CallFrame): string {
  if (!f.url) return "";
  const short = f.url.replace(/^file:\/\//, "").replace(/^.*\/node_modules\//, "").replace(/^.*\/(dist|core|functions)\//, "$1/");
  return `${short}:${f.lineNumber + 1}`;
}

/** The call tree merged by frame (name and place), with each frame's sampled time in microseconds. */
export function callTree(profile: CpuProfile): Frame {
  const self = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // A sample lasts until the next one; the last one, as long as the mean.
    const dt = i + 1 < timeDeltas.length ? timeDeltas[i + 1]! : (profile.endTime - profile.startTime) / samples.length;
    self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + Math.max(0, dt));
  }
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const root: Frame = { name: "all", where: "", origin: "node", self: 0, total: 0, children: new Map() };
  const walk = (id: number, into: Frame) => {
    const n = byId.get(id)!;
    const cf = n.callFrame;
    if (cf.functionName === "(idle)") return;
    const name = cf.functionName || "(anonymous)";
    const key = `${name}@${cf.url}:${cf.lineNumber}`;
    let f = into.children.get(key);
    if (!f) into.children.set(key, (f = { name, where: whereOf(cf), origin: originOf(cf), self: 0, total: 0, children: new Map() }));
    f.self += self.get(id) ?? 0;
    for (const c of n.children ?? []) walk(c, f);
  };
  const top = profile.nodes[0]!; // "(root)"
  for (const c of top.children ?? []) walk(c, root);
  const sum = (f: Frame): number => (f.total = f.self + [...f.children.values()].reduce((n, c) => n + sum(c), 0));
  sum(root);
  return root;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function colour(f: Frame): string {
  const p = PALETTE[f.origin];
  let h = 0;
  for (let i = 0; i < f.name.length; i++) h = (h * 31 + f.name.charCodeAt(i)) | 0;
  return `hsl(${p.hue + (Math.abs(h) % 16) - 8},${p.sat}%,${58 + (Math.abs(h >> 4) % 16)}%)`;
}

export interface FlameOptions {
  title: string;
  width?: number;
  /** Frames narrower than this share of the total are merged (default 0.001: 0.1 %). */
  minShare?: number;
}

export function flameGraphSvg(profile: CpuProfile, opts: FlameOptions): string {
  const root = callTree(profile);
  const width = opts.width ?? 1200;
  const pad = 10;
  const rowH = 16;
  const usable = width - 2 * pad;
  const min = root.total * (opts.minShare ?? 0.001);
  const scale = usable / root.total;
  // Lay out the frames: x in microseconds; children side by side, by name (flame graph order).
  const boxes: Array<{ f: Frame; x: number; depth: number; small?: number }> = [];
  const place = (f: Frame, x: number, depth: number) => {
    boxes.push({ f, x, depth });
    let cx = x;
    const small: Frame[] = [];
    for (const c of [...f.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      if (c.total < min) small.push(c);
      else place(c, cx, depth + 1);
      if (c.total >= min) cx += c.total;
    }
    const rest = small.reduce((n, c) => n + c.total, 0);
    if (rest >= min) boxes.push({ f: { name: `${small.length} small frames`, where: "", origin: "other", self: rest, total: rest, children: new Map() }, x: cx, depth: depth + 1, small: small.length });
  };
  place(root, 0, 0);
  const depth = Math.max(...boxes.map((b) => b.depth)) + 1;
  const top = 60;
  const height = top + depth * rowH + pad;
  const ms = (us: number) => (us / 1000).toFixed(1);
  const pct = (us: number) => ((100 * us) / root.total).toFixed(2);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Verdana,sans-serif" font-size="11">`,
    `<title>${esc(opts.title)}</title>`,
    `<rect width="100%" height="100%" fill="#fdfdf8"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15">${esc(opts.title)}</text>`,
    `<text x="${width / 2}" y="36" text-anchor="middle" fill="#555">${ms(root.total)} ms of CPU sampled (idle excluded); width is time, frames under ${((opts.minShare ?? 0.001) * 100).toFixed(1)} % merged; hover a frame for its name, place and time</text>`,
  ];
  let lx = pad;
  for (const p of Object.values(PALETTE)) {
    out.push(`<rect x="${lx}" y="44" width="10" height="10" fill="hsl(${p.hue},${p.sat}%,62%)"/><text x="${lx + 14}" y="53">${esc(p.label)}</text>`);
    lx += 24 + p.label.length * 6.2;
  }
  for (const b of boxes) {
    const w = b.f.total * scale;
    const x = pad + b.x * scale;
    const y = height - pad - (b.depth + 1) * rowH;
    const label = b.f.where ? `${b.f.name} (${b.f.where})` : b.f.name;
    const fill = b.small ? "#ddd" : b.depth === 0 ? "#ccc" : colour(b.f);
    const chars = Math.floor((w - 6) / 6.6);
    const text = chars >= 3 ? (b.f.name.length > chars ? `${b.f.name.slice(0, chars - 2)}..` : b.f.name) : "";
    out.push(
      `<g><title>${esc(label)}: ${ms(b.f.total)} ms, ${pct(b.f.total)} %${b.f.self && b.f.children.size ? ` (self ${ms(b.f.self)} ms)` : ""}</title><rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 1}" fill="${fill}" rx="1"/>${text ? `<text x="${(x + 3).toFixed(1)}" y="${y + 11.5}">${esc(text)}</text>` : ""}</g>`,
    );
  }
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
