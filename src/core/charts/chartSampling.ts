// Large series are sent to the page sampled, not whole: Largest-Triangle-Three-Buckets keeps the shape of a line
// (peaks and dips) with a few thousand points, which is all a panel's width can show. When the user zooms, the
// page asks again for its x window: points inside it are sampled finely, the rest coarsely, so the zoomed view
// shows full detail while the axis keeps the whole range. Every point sent keeps its exact tooltip text.

import type { CartesianChartSpec, ChartSeriesSpec, ExactTexts } from '../../shared/chartSpec';

/** Points per series above which a series is sampled; about two per pixel of a wide panel. */
export const SAMPLE_POINTS = 4000;
/** Points per series kept outside a zoom window (enough to draw the overview strip). */
const OUTSIDE_POINTS = 400;

/** Indices LTTB keeps of points [from, to) of a series, `budget` of them (all when there are fewer). */
function lttbIndices(x: readonly number[], y: readonly (number | null)[], from: number, to: number, budget: number): number[] {
  const count = to - from;
  if (count <= budget || budget < 3) return Array.from({ length: count }, (_, i) => from + i);
  const kept: number[] = [from];
  const bucket = (count - 2) / (budget - 2);
  let previous = from;
  for (let b = 0; b < budget - 2; b++) {
    const start = from + 1 + Math.floor(b * bucket);
    const end = from + 1 + Math.floor((b + 1) * bucket);
    // The average of the next bucket is the third corner of the triangle.
    const nextStart = end;
    const nextEnd = Math.min(to, from + 1 + Math.floor((b + 2) * bucket));
    let averageX = 0;
    let averageY = 0;
    let n = 0;
    for (let i = nextStart; i < nextEnd; i++) {
      const value = y[i];
      if (value === null) continue;
      averageX += x[i];
      averageY += value;
      n++;
    }
    if (n > 0) {
      averageX /= n;
      averageY /= n;
    } else {
      averageX = x[Math.min(to - 1, nextStart)];
      averageY = y[previous] ?? 0;
    }
    let best = start;
    let bestArea = -1;
    const px = x[previous];
    const py = y[previous] ?? 0;
    for (let i = start; i < end; i++) {
      const value = y[i];
      // A gap (null) is kept as such when its bucket has nothing else, so lines still break there.
      const area = value === null ? -0.5 : Math.abs((px - averageX) * (value - py) - (px - x[i]) * (averageY - py));
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    kept.push(best);
    previous = best;
  }
  kept.push(to - 1);
  return kept;
}

function pick(texts: ExactTexts | undefined, indices: readonly number[]): [number, string][] | undefined {
  if (!texts?.length) return undefined;
  const byIndex = new Map(texts);
  const result: [number, string][] = [];
  indices.forEach((index, at) => {
    const text = byIndex.get(index);
    if (text !== undefined) result.push([at, text]);
  });
  return result.length ? result : undefined;
}

/** First index with x ≥ value (x sorted ascending). */
function lowerBound(x: readonly number[], value: number): number {
  let low = 0;
  let high = x.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (x[middle] < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

function sampleSeries(series: ChartSeriesSpec, window: readonly [number, number] | undefined): ChartSeriesSpec {
  const { x, y } = series;
  if (x.length <= SAMPLE_POINTS || series.anomaly) return series;
  let indices: number[];
  if (window) {
    const from = Math.max(0, lowerBound(x, window[0]) - 1);
    const to = Math.min(x.length, lowerBound(x, window[1]) + 1);
    indices = [...lttbIndices(x, y, 0, from, OUTSIDE_POINTS / 2), ...lttbIndices(x, y, from, to, SAMPLE_POINTS), ...lttbIndices(x, y, to, x.length, OUTSIDE_POINTS / 2)];
  } else {
    indices = lttbIndices(x, y, 0, x.length, SAMPLE_POINTS);
  }
  const exactX = pick(series.exactX, indices);
  const exactY = pick(series.exactY, indices);
  const { exactX: _x, exactY: _y, ...rest } = series;
  return {
    ...rest,
    x: indices.map((i) => x[i]),
    y: indices.map((i) => y[i]),
    ...(exactX ? { exactX } : {}),
    ...(exactY ? { exactY } : {}),
  };
}

/**
 * The spec with its large series sampled (LTTB), finely inside `window` when given. Bars and categories are
 * never sampled (each bar is a value the user reads); nor are series small enough to send whole.
 */
export function sampleChartSpec(spec: CartesianChartSpec, window?: readonly [number, number]): CartesianChartSpec {
  if (spec.x.format === 'category' || spec.series.every((s) => s.x.length <= SAMPLE_POINTS) || spec.series.some((s) => s.draw === 'bar')) return spec;
  const total = spec.series.reduce((sum, s) => sum + s.x.length, 0);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const s of spec.series) {
    if (s.x.length === 0) continue;
    min = Math.min(min, s.x[0]);
    max = Math.max(max, s.x[s.x.length - 1]);
  }
  const series = spec.series.map((s) => sampleSeries(s, window));
  const sent = series.reduce((sum, s) => sum + s.x.length, 0);
  return { ...spec, series, sampling: { totalPoints: total, sentPoints: sent, extent: [min, max], ...(window ? { window } : {}) } };
}
