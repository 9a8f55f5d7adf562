#!/usr/bin/env bash
# The GitHub Action's install step: builds pglint with cargo into $PGLINT_ROOT (cached by
# action.yml, keyed on the action's ref and the version input) and puts it on the PATH.
#   PGLINT_ROOT      install root (bin/pglint below it)
#   PGLINT_VERSION   empty: this checkout of the action; else a git tag, branch or commit
#                    of the pglint repository
set -euo pipefail
root=${PGLINT_ROOT:?}
root=${root/#\~/$HOME}
here=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -x "$root/bin/pglint" ]; then
  "$here/scripts/install-build-deps.sh"
  version=${PGLINT_VERSION:-}
  if [ -z "$version" ]; then
    cargo install --locked --root "$root" --path "$here"
  elif [[ $version =~ ^[0-9a-f]{40}$ ]]; then
    cargo install --locked --root "$root" --git https://github.com/pglint/pglint --rev "$version" pglint
  elif [[ $version =~ ^[A-Za-z0-9._/-]+$ && $version != -* ]]; then
    cargo install --locked --root "$root" --git https://github.com/pglint/pglint --tag "$version" pglint
  else
    echo "pglint: the version input must be a tag or a full commit SHA" >&2
    exit 2
  fi
fi
echo "$root/bin" >>"${GITHUB_PATH:-/dev/null}"
"$root/bin/pglint" --version
