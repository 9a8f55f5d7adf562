#!/usr/bin/env bash
# Installs what the full test suite needs beyond the build: a PostgreSQL server (Debian's, for
# the Django tests) and one of each major from 12 to 18 (tests/lock_facts.rs proves the lock
# facts on each; scripts/install-pg-servers.sh), the Mermaid parser (tests/locks.rs),
# pre-commit (tests/precommit.rs), the linters and schema checkers of GitHub's and
# pre-commit's files (tests/consumers.rs, .ci/run) and a Django virtualenv
# (tests/django_bridge.rs, tests/precommit.rs).
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

# A server of every PostgreSQL major pglint claims (12 to 18), from the npm registry: the
# lock-fact suite runs every shape on each (tests/lock_facts.rs).
"$root/scripts/install-pg-servers.sh"

# A virtualenv in the target directory holding exactly the pinned packages of a requirements
# file (wheels only). A stamp file holds the requirements it was made from: when they are
# unchanged nothing is done, when they changed the venv is made anew.
pinned_venv() {
  local venv=$target/$1 requirements=$root/$2
  if [ -x "$venv/bin/python" ] && cmp -s "$requirements" "$venv/.pglint-requirements"; then
    return
  fi
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || {
    sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq python3-venv >/dev/null
  }
  echo "installing $2 into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --only-binary :all: -r "$requirements"
  cp "$requirements" "$venv/.pglint-requirements"
}
target=${CARGO_TARGET_DIR:-$root/target}
case "$target" in /*) ;; *) target="$root/$target" ;; esac

# pre-commit for tests/precommit.rs, which runs this repository's hooks for real.
pinned_venv precommit-venv scripts/test-tools/pre-commit-requirements.txt
# check-jsonschema, actionlint, zizmor and shellcheck for tests/consumers.rs and .ci/run.
pinned_venv consumers-venv scripts/test-tools/consumers-requirements.txt

# A virtualenv with the pinned Django and psycopg for tests/django_bridge.rs (`pglint django`
# against a real Django project and PostgreSQL server).
"$root/scripts/install-django-test-env.sh"
