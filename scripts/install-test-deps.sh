#!/usr/bin/env bash
# Installs what the full test suite needs beyond the build: a PostgreSQL server (the lock-fact
# tests start a private one; tests/lock_facts.rs), the Mermaid parser (tests/locks.rs) and
# pre-commit (tests/precommit.rs) and a Django virtualenv (tests/django_bridge.rs).
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

# pre-commit (from PyPI) for tests/precommit.rs, which runs this repository's hooks for real.
venv=${CARGO_TARGET_DIR:-$root/target}/precommit-venv
if [ ! -x "$venv/bin/pre-commit" ]; then
  python3 -m venv --help >/dev/null 2>&1 || {
    sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq python3-venv >/dev/null
  }
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "pre-commit==4.7.0"
fi

# A virtualenv with the pinned Django and psycopg for tests/django_bridge.rs (`pglint django`
# against a real Django project and PostgreSQL server).
"$root/scripts/install-django-test-env.sh"
