#!/usr/bin/env bash
# Installs what building pglint needs and a fresh Debian machine with only the Rust toolchain
# lacks: libclang (pg_query's bindgen loads it while building) and a C compiler.
# Does nothing when they are already there. Needs root (or sudo) only when it installs.
set -euo pipefail

have_libclang() {
  ls /usr/lib/llvm-*/lib/libclang*.so* /usr/lib/*/libclang*.so* >/dev/null 2>&1 &&
    ls /usr/lib/llvm-*/lib/clang/*/include/stddef.h >/dev/null 2>&1
}

missing=()
have_libclang || missing+=(libclang-dev)
command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "installing build dependencies: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
