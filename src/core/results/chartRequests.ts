// The extension side of the chart view, without `vscode`: which visualization each result table carries, the
// chart specification the page asks for (built from the rows as kept), and saving an exported image.

import { writeWholeExport, type ExportTarget } from './exportDestination';
import type { KustoResponse, Visualization } from '../kusto/resultTypes';
import { buildChartSpec, type ChartBuildResult } from '../charts/chartSpecBuilder';
import { sampleChartSpec } from '../charts/chartSampling';
import { guessChartRequest } from '../charts/chartColumns';
import { chartSettingsFrom, chartSettingsFromRequest, visualizationsOfResults, type ChartSettings } from '../charts/chartSettings';
import { packChartSpec, type ChartImageFormat, type ChartRequest } from '../../shared/chartSpec';
import type { ChartMessage, RequestChartMessage } from '../../shared/resultsProtocol';

const perResponse = new WeakMap<KustoResponse, (Visualization | undefined)[]>();
/** The last chart built for a response, whole: a zoom asks for the same chart again, sampled for its window. */
const lastBuilt = new WeakMap<KustoResponse, { key: string; result: ChartBuildResult }>();

/** The `render` visualization of each primary result (matched by TableId), cached per response. */
export function tableVisualizations(response: KustoResponse): (Visualization | undefined)[] {
  let visualizations = perResponse.get(response);
  if (!visualizations) {
    visualizations = visualizationsOfResults(response.allTables, response.primaryResults, response.visualization);
    perResponse.set(response, visualizations);
  }
  return visualizations;
}

/** The chart message answering `message` for the results of `response`. */
export function answerChartRequest(response: KustoResponse, message: RequestChartMessage): ChartMessage {
  const table = response.primaryResults[message.tableIndex];
  const base = { type: 'chart', runId: message.runId, tableIndex: message.tableIndex, requestId: message.requestId } as const;
  if (!table) {
    return { ...base, request: { kind: 'columnchart', y: [], series: [] }, fromQuery: false, error: `There is no result table ${message.tableIndex}.` };
  }
  const visualization = tableVisualizations(response)[message.tableIndex];
  let settings: ChartSettings;
  let fromQuery = false;
  if (message.request) {
    settings = chartSettingsFromRequest(message.request);
  } else if (visualization) {
    const read = chartSettingsFrom(visualization);
    if ('error' in read) return { ...base, request: guessChartRequest(table.columns), fromQuery: false, error: read.error };
    settings = read;
    fromQuery = true;
  } else {
    settings = chartSettingsFromRequest(guessChartRequest(table.columns));
  }
  const key = JSON.stringify([message.tableIndex, settings]);
  let built = lastBuilt.get(response)?.key === key ? lastBuilt.get(response)!.result : undefined;
  if (!built) {
    built = buildChartSpec(settings, table.columns, table.rows);
    lastBuilt.set(response, { key, result: built });
  }
  const request: ChartRequest =
    'spec' in built
      ? { kind: settings.kind, ...(built.spec.columns.x ? { x: built.spec.columns.x } : {}), y: built.spec.columns.y, series: built.spec.columns.series }
      : { kind: settings.kind, ...(settings.xColumn ? { x: settings.xColumn } : {}), y: settings.yColumns ?? [], series: settings.series ?? [] };
  if (!('spec' in built)) return { ...base, request, fromQuery, error: built.error };
  const spec = built.spec.shape === 'cartesian' ? sampleChartSpec(built.spec, message.xWindow) : built.spec;
  return { ...base, request, fromQuery, spec: packChartSpec(spec) };
}

/** Writes an image the page exported (PNG arrives as base64, SVG as text) to a local file or through the host. */
export async function writeChartImage(target: ExportTarget, format: ChartImageFormat, data: string): Promise<number> {
  const bytes = format === 'png' ? Buffer.from(data, 'base64') : Buffer.from(data, 'utf8');
  await writeWholeExport(target, bytes);
  return bytes.length;
}
