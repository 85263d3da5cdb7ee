#!/usr/bin/env bash
# README command 1: from a fresh clone, install what is needed, build and package the extension, start the local
# sign-in and Kusto servers and a real VS Code (code-server, in your browser) with the extension installed and
# configured for them. Prints the address to open; Ctrl+C stops every process it started.
#   KUSTO_DEMO_PORT=8080 bash scripts/demo.sh   # fixed port for code-server (default: a free one)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

say() { printf '\n=== %s\n' "$*"; }

say "install tools (Debian packages, Node 24, code-server)"
bash scripts/install-tools.sh

if [[ -f node_modules/.package-lock.json && node_modules/.package-lock.json -nt package-lock.json ]]; then
  say "npm ci: skipped, node_modules is already installed from package-lock.json"
else
  say "npm ci"
  npm ci --no-audit --no-fund
fi

say "build and package the extension"
npm run --silent package
say "compile the demo launcher"
# tsc emits even when some unrelated file has a type error; the launcher only needs its own output.
npx tsc -p . >/dev/null || echo "(tsc reported type errors; the compiled launcher is used anyway)"
[[ -f out/scripts/e2e/demo.js ]] || { echo "out/scripts/e2e/demo.js was not compiled" >&2; exit 1; }

export KUSTO_DEMO_DIR="${KUSTO_DEMO_DIR:-$repo_root/.local/demo}"
rm -rf "$KUSTO_DEMO_DIR"
mkdir -p "$KUSTO_DEMO_DIR"

# The launcher owns the servers and code-server (its own process group) and stops them on Ctrl+C; if it dies
# some other way, the trap still ends what it started.
node out/scripts/e2e/demo.js &
launcher_pid=$!
cleanup() {
  trap - INT TERM EXIT
  if kill -0 "$launcher_pid" 2>/dev/null; then
    kill -TERM "$launcher_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$launcher_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$launcher_pid" 2>/dev/null || true
  fi
  # code-server runs in its own process group (extension host included); make sure none of it is left.
  if [[ -f "$KUSTO_DEMO_DIR/code-server.pgid" ]]; then
    kill -KILL -- "-$(cat "$KUSTO_DEMO_DIR/code-server.pgid")" 2>/dev/null || true
  fi
  echo "demo stopped"
}
trap cleanup INT TERM EXIT
wait "$launcher_pid"
