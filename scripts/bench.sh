#!/usr/bin/env bash
# `npm run bench`: the figures users feel, each printed as a table (no timed assertions anywhere):
# activation cost and bundle sizes, the Kusto client against azure-kusto-data and the JSON.parse floor, the KQL
# language service (host event-loop delay, completion and diagnostics latency, worker memory), and the
# results grid in headless Chromium. Quote ratios measured in the same run, not absolute times: machines differ.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
npx tsc -p . >/dev/null || true
npm run -s package >/dev/null
echo "## Activation and bundles"
node out/scripts/benchActivation.js
echo
echo "## Kusto client: query to rows (StormEvents-shaped)"
node out/scripts/benchClient.js --source "${BENCH_SOURCE:-static}" --rows "${BENCH_ROWS:-10000,100000,500000}"
echo
echo "## Explorer: a 5,000-table database in code-server"
node out/scripts/benchExplorer.js "${BENCH_EXPLORER_REPEATS:-3}"
echo
echo "## Results grid in headless Chromium"
node --max-old-space-size=6144 out/scripts/benchGrid.js 100000 1000000
echo
echo "## Working with a large result (filter, sort, export) without blocking the extension host"
node --expose-gc --max-old-space-size=8192 out/scripts/benchResults.js 100000 1000000
echo
echo "## First rows of a streaming result (local Kusto server over loopback, in the same process)"
node --max-old-space-size=4096 out/scripts/benchStreaming.js 500000
echo
echo "## KQL language service (worker thread)"
node out/scripts/benchLanguage.js
echo
echo "## Charts from render in headless Chromium"
node out/scripts/benchCharts.js
