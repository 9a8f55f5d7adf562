#!/usr/bin/env bash
# Installs what the Mermaid syntax check of `pglint locks --format markdown` needs: the real
# Mermaid parser (npm package `mermaid`, pinned) and `jsdom` for the DOM it expects, into
# ${CARGO_TARGET_DIR:-target}/mermaid-check/node_modules. Needs `node` (>= 18) and `npm` (Debian:
# `apt-get install nodejs npm`) and the npm registry. Idempotent: does nothing when the pinned
# versions are already installed. The Rust test `tests/locks.rs` runs
# scripts/mermaid-check/check.mjs from there on every generated diagram.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
dir="$target/mermaid-check"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "install-mermaid-check: \`$tool\` is missing (Debian: apt-get install nodejs npm)" >&2
    exit 1
  fi
done

mkdir -p "$dir"
if cmp -s "$root/scripts/mermaid-check/package.json" "$dir/package.json" &&
  [ -f "$dir/node_modules/.package-lock.json" ] &&
  [ -d "$dir/node_modules/mermaid" ] && [ -d "$dir/node_modules/jsdom" ]; then
  exit 0
fi
cp "$root/scripts/mermaid-check/package.json" "$dir/package.json"
echo "installing the Mermaid parser into $dir" >&2
(cd "$dir" && npm install --no-audit --no-fund --loglevel=error --ignore-scripts >&2)
