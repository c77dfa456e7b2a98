import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One line (or stacked area) of a chart. */
export interface Series {
  label: string;
  values: (number | null)[];
  /** Drawn dashed and grey: the previous period, for comparison. */
  previous?: boolean;
}

/** A vertical marker on the time axis (a label move). */
export interface Mark {
  at: number;
  label: string;
}

export interface ChartProps {
  /** Names the chart in the DOM (`data-chart`): tests and screenshots find it by this. */
  id: string;
  title: string;
  /** Bucket starts, epoch milliseconds. */
  x: number[];
  series: Series[];
  stacked?: boolean;
  marks?: Mark[];
  format?: (v: number) => string;
  height?: number;
}

const COLORS = ['#2563eb', '#16a34a', '#ea580c', '#9333ea', '#0891b2', '#dc2626', '#ca8a04', '#db2777', '#4b5563'];

// One formatter each: `toLocaleString` with options builds an Intl.NumberFormat per call, and a
// render formats every value of every chart's table (the overview's most expensive script work).
const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const USD = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 });
const NUM = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

export const fmt = {
  int: (v: number) => INT.format(Math.round(v)),
  usd: (v: number) => (Math.abs(v) < 0.01 && v !== 0 ? `$${v.toPrecision(2)}` : `$${USD.format(v)}`),
  ms: (v: number) => `${INT.format(Math.round(v))} ms`,
  pct: (v: number) => `${(v * 100).toFixed(1)}%`,
  num: (v: number) => NUM.format(v),
};

/**
 * A time chart (uPlot) with its figures beside it: the exact values are in `data-figures` (JSON:
 * `{ x: ISO bucket starts, series: { label: values } }`) and in a table a reader can open.
 */
export function Chart(p: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const format = p.format ?? fmt.num;
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const xs = p.x.map((t) => t / 1000);
    let ys = p.series.map((s) => s.values);
    if (p.stacked) {
      const acc = xs.map(() => 0);
      ys = ys.map((vals) => vals.map((v, i) => (acc[i] = acc[i]! + (v ?? 0))));
    }
    // Stacked: the highest line first, so each lower area paints over the one above.
    const order = p.stacked ? p.series.map((_, i) => p.series.length - 1 - i) : p.series.map((_, i) => i);
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: p.height ?? 200,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [{}, { values: (_u, vals) => vals.map((v) => (v == null ? '' : format(v))), size: 70 }],
      series: [
        {},
        ...order.map((i) => {
          const s = p.series[i]!;
          const color = s.previous ? '#9ca3af' : COLORS[i % COLORS.length]!;
          return {
            label: s.label,
            stroke: color,
            width: 1.5,
            dash: s.previous ? [5, 4] : undefined,
            fill: p.stacked ? color : undefined,
            spanGaps: !p.stacked,
            value: (_u: uPlot, v: number | null) => (v == null ? '–' : format(v)),
          };
        }),
      ],
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            ctx.save();
            for (const m of p.marks ?? []) {
              const x = u.valToPos(m.at / 1000, 'x', true);
              if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
              ctx.strokeStyle = '#dc2626';
              ctx.setLineDash([3, 3]);
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              ctx.fillStyle = '#dc2626';
              ctx.font = `${11 * devicePixelRatio}px sans-serif`;
              ctx.fillText(m.label, x + 4, u.bbox.top + 12 * devicePixelRatio);
            }
            ctx.restore();
          },
        ],
      },
    };
    const data = [xs, ...order.map((i) => ys[i]!)] as uPlot.AlignedData;
    const plot = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: p.height ?? 200 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [JSON.stringify([p.x, p.series, p.marks, p.stacked])]);

  const figures = { x: p.x.map((t) => new Date(t).toISOString()), series: Object.fromEntries(p.series.map((s) => [s.label, s.values])) };
  return (
    <figure class="chart" data-chart={p.id} data-figures={JSON.stringify(figures)} data-marks={JSON.stringify(p.marks ?? [])}>
      <figcaption>{p.title}</figcaption>
      <div ref={host} class="plot" />
      {p.marks?.length ? (
        <ul class="marks">
          {p.marks.map((m) => (
            <li data-mark={m.label}>
              {new Date(m.at).toISOString().slice(0, 16).replace('T', ' ')} {m.label}
            </li>
          ))}
        </ul>
      ) : null}
      <details>
        <summary>Figures</summary>
        <table class="figures">
          <thead>
            <tr>
              <th>bucket</th>
              {p.series.map((s) => (
                <th>{s.label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {p.x.map((t, i) => (
              <tr>
                <td>{new Date(t).toISOString().slice(0, 16).replace('T', ' ')}</td>
                {p.series.map((s) => (
                  <td>{s.values[i] == null ? '–' : format(s.values[i]!)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
