#!/usr/bin/env bash
# Installs what the Mermaid syntax check of `pglint locks --format markdown` needs: the real
# Mermaid parser (npm package `mermaid`) and `jsdom` for the DOM it expects, at the versions
# pinned in scripts/mermaid-check/package-lock.json, into
# ${CARGO_TARGET_DIR:-target}/mermaid-check (override with MERMAID_CHECK_DIR).
# Needs `node` (>= 18) and `npm` (Debian: `apt-get install nodejs npm`) and the npm registry.
# Idempotent: does nothing when the pinned packages are already installed there.
# `tests/locks.rs` runs scripts/mermaid-check/check.mjs from that folder on every diagram.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/scripts/mermaid-check"
dir=${MERMAID_CHECK_DIR:-${CARGO_TARGET_DIR:-$root/target}/mermaid-check}

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "install-mermaid-check: \`$tool\` is missing (Debian: apt-get install nodejs npm)" >&2
    exit 1
  fi
done

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
