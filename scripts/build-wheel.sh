#!/usr/bin/env bash
# Builds the Python wheel that ships the pglint binary (maturin, bindings = "bin"), installs it
# into a fresh virtualenv and runs it: `pglint --version` and a lint of the bundled examples.
#   scripts/build-wheel.sh            (the wheel lands in target/wheels/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
"$root/scripts/install-build-deps.sh"
python3 -m venv --help >/dev/null 2>&1 || {
  sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq python3-venv >/dev/null
}

build_venv="$target/wheel-build-venv"
[ -x "$build_venv/bin/maturin" ] || {
  python3 -m venv "$build_venv"
  "$build_venv/bin/pip" install -q "maturin>=1.5,<2"
}
rm -rf "$target/wheels"
"$build_venv/bin/maturin" build --release --manifest-path "$root/Cargo.toml" --out "$target/wheels" >&2

# A fresh environment, as a Django team's CI would have it.
check_venv="$target/wheel-check-venv"
rm -rf "$check_venv"
python3 -m venv "$check_venv"
"$check_venv/bin/pip" install -q "$target"/wheels/pglint-*.whl
"$check_venv/bin/pglint" --version
set +e
"$check_venv/bin/pglint" --format compact "$root/examples/shop" >/dev/null
code=$?
set -e
# The examples hold findings on purpose: exit 1 means it linted them.
[ "$code" -eq 1 ] || { echo "the installed wheel's pglint exited $code on examples/" >&2; exit 1; }
echo "wheel OK: $(ls "$target"/wheels/)"
