// The queries.kql placed in the demo's and the end-to-end tests' workspace folder. Blank lines separate queries:
// Shift+Enter runs the one under the cursor.
export const SAMPLE_QUERIES_KQL = [
  '// Put the cursor in a query and press Shift+Enter to run it.',
  'StormEvents',
  '| summarize Events = count() by State',
  '| top 10 by Events',
  '',
  'StormEvents',
  '| where DamageProperty > 0',
  '| project StartTime, State, EventType, DamageProperty',
  '| take 50',
  '',
].join('\n');
