import * as assert from 'node:assert/strict';
import { sampleChartSpec, SAMPLE_POINTS } from '../../src/core/charts/chartSampling';
import { exactTextAt, type CartesianChartSpec, type ChartSeriesSpec } from '../../src/shared/chartSpec';

function lineSpec(series: ChartSeriesSpec[], draw: ChartSeriesSpec['draw'] = 'line'): CartesianChartSpec {
  return {
    shape: 'cartesian', kind: 'timechart', title: '', legend: true, columns: { x: 't', y: ['v'], series: [] }, horizontal: false, stack: 'none', ysplit: 'none',
    x: { title: 't', format: 'datetime', scale: 'linear' }, y: [{ title: 'v', format: 'number', scale: 'linear' }],
    series: series.map((s) => ({ ...s, draw })),
  };
}

function wave(points: number): ChartSeriesSpec {
  const x = Array.from({ length: points }, (_, i) => 1_000_000 + i * 60_000);
  const y = x.map((_, i) => (i === 31_337 ? 1e6 : i === 50_001 ? -1e6 : Math.sin(i / 300)));
  return { name: 'v', draw: 'line', axisIndex: 0, x, y, exactY: [[31_337, '1000000.0000000001']] };
}

describe('chart sampling for large series', () => {
  it('sends a few thousand points of a 100,000-point line, keeping its ends, its peak and dip, and their exact texts', () => {
    const spec = sampleChartSpec(lineSpec([wave(100_000)]));
    const series = spec.series[0];
    assert.ok(series.x.length <= SAMPLE_POINTS && series.x.length > SAMPLE_POINTS / 2, `${series.x.length} points`);
    assert.equal(series.x[0], 1_000_000);
    assert.equal(series.x[series.x.length - 1], 1_000_000 + 99_999 * 60_000);
    assert.ok(series.y.includes(1e6) && series.y.includes(-1e6), 'the peak and the dip survive');
    const peak = series.y.indexOf(1e6);
    assert.equal(exactTextAt(series.exactY, peak), '1000000.0000000001', 'the exact text follows its point');
    assert.deepEqual(spec.sampling, { totalPoints: 100_000, sentPoints: series.x.length, extent: [1_000_000, 1_000_000 + 99_999 * 60_000] });
  });

  it('samples finely inside a zoom window and coarsely outside it, keeping the whole range', () => {
    const from = 1_000_000 + 40_000 * 60_000;
    const to = 1_000_000 + 42_000 * 60_000;
    const series = sampleChartSpec(lineSpec([wave(100_000)]), [from, to]).series[0];
    const inside = series.x.filter((x) => x >= from && x <= to).length;
    assert.ok(inside >= 2000, `every point of the 2,001 in the window is sent (${inside})`);
    assert.equal(series.x[0], 1_000_000);
    assert.equal(series.x[series.x.length - 1], 1_000_000 + 99_999 * 60_000);
    assert.deepEqual([...series.x].sort((a, b) => a - b), series.x, 'still in x order');
  });

  it('leaves small series, bars and categories whole', () => {
    const small = lineSpec([wave(1000)]);
    assert.equal(sampleChartSpec(small), small);
    const bars = lineSpec([wave(100_000)], 'bar');
    assert.equal(sampleChartSpec(bars), bars);
  });
});
