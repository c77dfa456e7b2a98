import type { Registry } from 'prom-client';

/**
 * Reads one value of a registry's metric: the first series whose labels include `labels` (any series
 * when none are given), 0 when the metric or the series is absent.
 */
export function metricReader(registry: Registry): (name: string, labels?: Record<string, string>) => Promise<number> {
  return async (name, labels = {}) => {
    const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
    const v = (m?.values as Array<{ value: number; labels: Record<string, string> }> | undefined)?.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
    return v?.value ?? 0;
  };
}
