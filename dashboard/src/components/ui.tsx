import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { PRESETS, rangeError, rangeFromParams, toInput } from '../range';
import { navigate, useRoute } from '../router';

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

/** A change of the URL's query: a value, several (repeated `?k=a&k=b`), or null / '' to remove it. */
export type QueryChange = Record<string, string | string[] | null>;

/** The query string of `params` with `next` applied (the other parameters kept). */
export function withQuery(params: URLSearchParams, next: QueryChange): string {
  const q = new URLSearchParams(params);
  for (const [k, v] of Object.entries(next)) {
    q.delete(k);
    if (Array.isArray(v)) for (const x of v) q.append(k, x);
    else if (v != null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * A page's selections, kept in the URL's query so that a reload or a shared link reproduces the
 * view: `params` reads them, `set` changes some (one history entry, so Back undoes it) and keeps the others.
 */
export function useQueryState() {
  const { path, params } = useRoute();
  const set = (next: QueryChange) => navigate(path + withQuery(new URLSearchParams(location.search), next));
  return { params, set };
}

/**
 * The range of a page, kept in the URL's query (`?range=7d`, or `?from=…&to=…`, and `&bucket=`) so a
 * link reproduces the view; `set` changes those parameters (one history entry) and keeps the others.
 */
export function useRange(fallback: string) {
  const { params, set } = useQueryState();
  const key = ['range', 'from', 'to', 'bucket'].map((k) => params.get(k) ?? '').join('|');
  const state = useMemo(() => rangeFromParams(params, fallback), [key]);
  return { ...state, key, params, set };
}

/** Presets, or a free from/to range (UTC, validated here; the error is shown and nothing changes). */
export function RangePicker(p: { value: ReturnType<typeof useRange> }) {
  const { range, preset, error, set } = p.value;
  const [from, setFrom] = useState(toInput(range.from));
  const [to, setTo] = useState(toInput(range.to));
  const [invalid, setInvalid] = useState<string | null>(null);
  useEffect(() => {
    setFrom(toInput(range.from));
    setTo(toInput(range.to));
  }, [range.from.getTime(), range.to.getTime()]);
  const apply = (e: Event) => {
    e.preventDefault();
    const why = rangeError(from, to);
    setInvalid(why);
    if (!why) set({ range: null, from, to });
  };
  const shown = invalid ?? error;
  return (
    <div class="range" role="group" aria-label="Time range">
      {Object.keys(PRESETS).map((name) => (
        <button type="button" class={name === preset ? 'on' : ''} aria-pressed={name === preset} onClick={() => (setInvalid(null), set({ range: name, from: null, to: null }))} data-range={name}>
          {name}
        </button>
      ))}
      <form class="custom-range" onSubmit={apply} data-range-form>
        <input type="datetime-local" name="from" aria-label="From (UTC)" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} aria-invalid={Boolean(shown)} />
        <span>→</span>
        <input type="datetime-local" name="to" aria-label="To (UTC)" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} aria-invalid={Boolean(shown)} />
        <span>UTC</span>
        <button type="submit" class={preset ? '' : 'on'} data-action="apply-range">
          Apply
        </button>
      </form>
      {shown ? (
        <span class="error" role="alert" data-range-error>
          {shown}
        </span>
      ) : null}
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
