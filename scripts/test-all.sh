#!/usr/bin/env bash
# Everything a fresh machine needs to check the project, in one command (README command 2; .ci/run runs it):
# tools, dependencies, typecheck, build, unit + integration tests, webview tests in Chromium, the .vsix, and the
# end-to-end tests in a real VS Code (code-server). Ends with ONE line "N passed, N failed" summed over every mocha
# run (a failed non-test step counts as one failure) and exits non-zero when anything failed or no test ran.
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

results_dir="$repo_root/test-results"
mkdir -p "$results_dir"
summary_file="$results_dir/mocha-summary.jsonl"
: >"$summary_file"
reporter="$repo_root/scripts/e2e/summaryReporter.cjs"
failed_steps=()
started_at=$(date +%s)

say() { printf '\n=== %s\n' "$*"; }

# run_step <name> <timeout seconds> <command...>: a non-test step; its failure is remembered and counted.
run_step() {
  local name="$1" limit="$2"
  shift 2
  say "$name"
  if ! timeout --kill-after=20s "$limit" "$@"; then
    echo "!!! step failed: $name" >&2
    failed_steps+=("$name")
    return 1
  fi
}

# run_mocha <label> <timeout seconds> <mocha args...>: counts come from the summary reporter; a run that dies before
# reporting (load error, timeout) counts as one failure.
run_mocha() {
  local label="$1" limit="$2"
  shift 2
  say "tests: $label"
  local lines_before
  lines_before=$(wc -l <"$summary_file")
  KUSTO_TEST_SUMMARY_FILE="$summary_file" KUSTO_TEST_SUITE_LABEL="$label" \
    timeout --kill-after=20s "$limit" npx mocha --reporter "$reporter" "$@"
  local status=$?
  if [[ $(wc -l <"$summary_file") == "$lines_before" ]]; then
    echo "!!! mocha run '$label' ended (exit $status) without reporting results" >&2
    failed_steps+=("tests: $label (no results)")
  fi
}

# has_compiled_tests <dir...>: true when any *.test.js was compiled under one of the folders.
has_compiled_tests() { [[ -n "$(find "$@" -name '*.test.js' 2>/dev/null | head -1)" ]]; }

run_step "install tools (Debian packages, Node 24, code-server)" 900 bash scripts/install-tools.sh

# npm ci recreates node_modules; skip it when node_modules was installed from the current lock file.
if [[ -f node_modules/.package-lock.json && node_modules/.package-lock.json -nt package-lock.json && -z "${KUSTO_FORCE_NPM_CI:-}" ]]; then
  say "npm ci: skipped, node_modules is already installed from package-lock.json (set KUSTO_FORCE_NPM_CI=1 to force)"
else
  run_step "npm ci" 600 npm ci --no-audit --no-fund
fi

run_step "typecheck" 300 npm run --silent typecheck
run_step "lint (layers: core without vscode, webview through src/shared, no local servers in shipped code)" 300 npm run --silent lint
run_step "build" 300 npm run --silent build
# tsc emits out/ even when a file has type errors (already reported by typecheck), so the tests still run.
say "compile tests (tsc -p .)"
timeout 300 npx tsc -p . >/dev/null || echo "(type errors above were reported by typecheck; compiled output was still emitted)"

if has_compiled_tests out/test/unit out/test/integration; then
  run_mocha "unit + integration" 900 --no-config --timeout 30000 --exit \
    --spec 'out/test/unit/**/*.test.js' --spec 'out/test/integration/**/*.test.js'
else
  echo "!!! no unit or integration tests were compiled" >&2
  failed_steps+=("tests: unit + integration (none found)")
fi

if has_compiled_tests out/test/webview; then
  run_mocha "webview (Chromium)" 900 --no-config --timeout 60000 --exit --spec 'out/test/webview/**/*.test.js'
else
  say "tests: webview (Chromium): none compiled under out/test/webview"
fi

vsix="$repo_root/dist/kusto-explorer.vsix"
rm -f "$vsix"
if run_step "package the extension (.vsix)" 300 npm run --silent package; then
  say "e2e: contents of $(basename "$vsix")"
  unzip -l "$vsix" | awk 'NR>3 && $4 != "" {print "  " $4}' | grep -v '^  -*$' || true
fi

if [[ -f "$vsix" ]]; then
  if has_compiled_tests out/test/e2e; then
    KUSTO_VSIX="$vsix" run_mocha "end-to-end (code-server + Chromium)" 1200 --no-config --timeout 120000 --exit \
      --spec 'out/test/e2e/**/*.test.js'
  else
    echo "!!! no end-to-end tests were compiled under out/test/e2e" >&2
    failed_steps+=("tests: end-to-end (none found)")
  fi
else
  echo "!!! end-to-end tests not run: there is no .vsix" >&2
  failed_steps+=("tests: end-to-end (no .vsix)")
fi

read -r passed failed skipped < <(node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map(JSON.parse);
  const sum = (key) => lines.reduce((total, line) => total + line[key], 0);
  process.stdout.write(sum("passed") + " " + sum("failed") + " " + sum("pending") + "\n");
' "$summary_file")
failed=$((failed + ${#failed_steps[@]}))

say "done in $(($(date +%s) - started_at)) s"
if ((skipped > 0)); then
  echo "skipped tests: $skipped (each printed its reason above)"
fi
for step in "${failed_steps[@]}"; do
  echo "failed step: $step"
done
echo "$passed passed, $failed failed"
if ((failed > 0)); then
  exit 1
fi
if ((passed == 0)); then
  echo "no test ran" >&2
  exit 1
fi
