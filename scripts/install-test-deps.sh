#!/usr/bin/env bash
# Installs what the full test suite needs beyond the build: a PostgreSQL server (the lock-fact
# tests start a private one; tests/lock_facts.rs) and the Mermaid parser (tests/locks.rs).
# Does nothing when they are already there. Needs root (or sudo) only when it installs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "installing PostgreSQL for the lock-fact tests" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi

"$root/scripts/install-mermaid-check.sh"
