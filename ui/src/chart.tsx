/** A time-series chart: uPlot on a canvas inside a <figure> named by its <figcaption>. */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import { useColorScheme } from "./hooks.js";

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  /** Bars for counts per interval; a line otherwise. */
  bars?: boolean;
  /** 1 or 2: the colour (--chart-1, --chart-2). */
  color: 1 | 2;
}

export interface ChartProps {
  caption: string;
  /** Interval starts, epoch seconds. */
  t: number[];
  series: ChartSeries[];
  /** How an axis tick and a legend value read ("$0.0123", "850 ms", "1,234"). */
  format: (v: number) => string;
  /** Counts: ticks at whole numbers only. */
  whole?: boolean;
}

const HEIGHT = 220;
const WHOLE_INCRS = [1, 2, 5].flatMap((m) => [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9].map((p) => m * p)).sort((a, b) => a - b);

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";

export function Chart({ caption, t, series, format, whole }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const scheme = useColorScheme();
  const props = useRef({ t, series, format, whole });
  props.current = { t, series, format, whole };
  // The chart is drawn anew when its data or the colour scheme change, not on every render.
  const drawn = JSON.stringify([t, series, whole, scheme]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const { t, series, format, whole } = props.current;
    const step = t.length > 1 ? t[1]! - t[0]! : 3600;
    const fg = cssVar("--muted");
    const grid = cssVar("--grid");
    const axis: uPlot.Axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const bars = uPlot.paths.bars?.({ size: [0.7, 40] });
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height: HEIGHT,
      cursor: { drag: { x: false, y: false } },
      scales: {
        // Half an interval of room at each end, so the first and last bars show whole.
        x: { time: true, range: (_u, min, max) => [min - step / 2, max + step / 2] },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [axis, { ...axis, size: 70, values: (_u, ticks) => ticks.map(format), ...(whole ? { incrs: WHOLE_INCRS } : {}) }],
      series: [
        {},
        ...series.map((s): uPlot.Series => {
          const color = cssVar(`--chart-${s.color}`);
          return {
            label: s.label,
            stroke: color,
            width: 2,
            value: (_u, v) => (v === null || v === undefined ? "–" : format(v)),
            ...(s.bars && bars ? { paths: bars, fill: color, points: { show: false } } : { points: { size: 6 } }),
          };
        }),
      ],
    };
    const plot = new uPlot(opts, [t, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 200), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [drawn]);

  return (
    <figure class="chart">
      <figcaption>{caption}</figcaption>
      <div ref={box} class="chart-canvas" />
    </figure>
  );
}
