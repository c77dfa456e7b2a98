import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { PRESETS } from '../range';

/** Loads once per change of `deps`; the state a page renders. */
export function useQuery<T>(load: () => Promise<T>, deps: unknown[]): { data?: T; error?: ApiError | Error; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

/** What a panel shows while its query runs or after it failed; its children once loaded. */
export function Loaded<T>(p: { q: { data?: T; error?: Error; loading: boolean }; children: (data: T) => ComponentChildren }) {
  if (p.q.error)
    return (
      <p class="error" role="alert">
        {p.q.error.message}
      </p>
    );
  if (p.q.data === undefined) return <p class="loading">Loading…</p>;
  return <>{p.children(p.q.data)}</>;
}

export function RangePicker(p: { value: string; onChange: (v: string) => void }) {
  return (
    <div class="range" role="group" aria-label="Time range">
      {Object.keys(PRESETS).map((name) => (
        <button type="button" class={name === p.value ? 'on' : ''} aria-pressed={name === p.value} onClick={() => p.onChange(name)} data-range={name}>
          {name}
        </button>
      ))}
    </div>
  );
}

/** A headline figure and the previous period's. */
export function Kpi(p: { id: string; label: string; value: number | null; previous: number | null; format: (v: number) => string; lowerIsBetter?: boolean }) {
  const delta = p.value != null && p.previous != null && p.previous !== 0 ? (p.value - p.previous) / Math.abs(p.previous) : null;
  const good = delta == null ? '' : delta < 0 === Boolean(p.lowerIsBetter) ? 'good' : 'bad';
  return (
    <div class="kpi" data-kpi={p.id} data-value={p.value ?? ''} data-previous={p.previous ?? ''}>
      <div class="kpi-label">{p.label}</div>
      <div class="kpi-value">{p.value == null ? '–' : p.format(p.value)}</div>
      <div class="kpi-prev">
        prev {p.previous == null ? '–' : p.format(p.previous)}
        {delta != null && Math.abs(delta) > 1e-9 ? <span class={`delta ${good}`}> {(delta * 100).toFixed(1)}%</span> : null}
      </div>
    </div>
  );
}

export const when = (iso: string | null | undefined) => (iso ? iso.slice(0, 19).replace('T', ' ') : '–');
