#!/usr/bin/env bash
# Creates the Python environment that tests/django_bridge.rs runs `pglint django` with: a venv
# holding the exact Django and psycopg versions pinned in scripts/django/requirements.txt.
#
#   scripts/install-django-test-env.sh          # venv in ${CARGO_TARGET_DIR:-target}/django-venv
#   PGLINT_DJANGO_VENV=/path scripts/install-django-test-env.sh
#
# Idempotent: a venv that already holds the pinned versions is left alone (a stamp file holds
# the requirements it was built from). Prints the venv's path on stdout. Needs python3 with
# the venv module (Debian: python3-venv), installed here when missing and running as root.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
venv="${PGLINT_DJANGO_VENV:-$target/django-venv}"
requirements="$root/scripts/django/requirements.txt"
python="${PYTHON:-python3}"

stamp="$venv/.pglint-requirements"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && cmp -s "$stamp" "$requirements"; then
  echo "$venv"
  exit 0
fi

if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "installing python3-venv for the Django test environment" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
    python=python3
  else
    echo "install-django-test-env: $python lacks the venv module (Debian: python3-venv)" >&2
    exit 1
  fi
fi

echo "creating the Django test venv in $venv" >&2
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
"$venv/bin/python" -c 'import django, psycopg; print("django", django.get_version(), "psycopg", psycopg.__version__)' >&2
cp "$requirements" "$stamp"
echo "$venv"
