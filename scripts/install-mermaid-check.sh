#!/usr/bin/env bash
# Installs what the Mermaid syntax check of `pglint locks --format markdown` needs: the real
# Mermaid parser (npm package `mermaid`) and `jsdom` for the DOM it expects, at the versions
# pinned in scripts/mermaid-check/package-lock.json, into
# ${CARGO_TARGET_DIR:-target}/mermaid-check (override with MERMAID_CHECK_DIR).
# Needs `node` (20 or later; tested with 20.20) and `npm`: when either is missing it installs the
# Debian packages `nodejs npm` (root or sudo), then the npm packages from the npm registry.
# Idempotent: does nothing when the pinned packages are already installed there.
# `tests/locks.rs` runs scripts/mermaid-check/check.mjs from that folder on every diagram.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/scripts/mermaid-check"
dir=${MERMAID_CHECK_DIR:-${CARGO_TARGET_DIR:-$root/target}/mermaid-check}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "install-mermaid-check: installing nodejs npm" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

mkdir -p "$dir"
cp "$src/check.mjs" "$dir/check.mjs"
if cmp -s "$src/package-lock.json" "$dir/.installed-lock.json" &&
  [ -d "$dir/node_modules/mermaid" ] && [ -d "$dir/node_modules/jsdom" ]; then
  exit 0
fi
cp "$src/package.json" "$src/package-lock.json" "$dir/"
echo "installing the Mermaid parser into $dir" >&2
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error --ignore-scripts >&2)
cp "$src/package-lock.json" "$dir/.installed-lock.json"
