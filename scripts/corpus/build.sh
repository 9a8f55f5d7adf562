#!/usr/bin/env bash
# Build the real-world corpus of Django `sqlmigrate` output that NOISE.md is measured on.
#
# Usage (from anywhere; paths are relative to the repository root):
#   bash scripts/corpus/build.sh                 # every project under scripts/corpus/*/
#   bash scripts/corpus/build.sh wagtail pretix  # only these
#
# For each project P (a folder scripts/corpus/P/ with requirements.txt, settings.py and
# optionally env.sh):
#   1. a virtualenv $CORPUS_DIR/venv/P with the exact pins of scripts/corpus/P/requirements.txt
#      (wheels only where possible; if that fails, sdists are allowed);
#   2. a fresh database corpus_P in a throwaway PostgreSQL cluster (unix socket only);
#   3. scripts/corpus/build_corpus.py in one Python process: for every migration of the
#      full plan, in plan order, sqlmigrate against the state just before it, then apply it.
#      It writes $CORPUS_DIR/out/P/<app>/<NNNN_name>.sql, plan.txt, prestate.json, build.json.
#
# Environment:
#   CORPUS_DIR     where venvs, the cluster and the output go (default target/corpus, kept out of git)
#   PG_BIN         PostgreSQL binaries (default /usr/lib/postgresql/15/bin)
#   CORPUS_PGPORT  port of the temporary cluster (default 54339; no TCP listener)
#   PYTHON         Python used to create the venvs (default python3)
#
# Run as root, the cluster runs as the `postgres` user (initdb refuses root).
# Then: python3 scripts/corpus/noise.py --pglint target/release/pglint  (see NOISE.md)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"

CORPUS_DIR="${CORPUS_DIR:-target/corpus}"
mkdir -p "$CORPUS_DIR"
CORPUS_DIR="$(cd "$CORPUS_DIR" && pwd)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PGPORT_CORPUS="${CORPUS_PGPORT:-54339}"
PYTHON="${PYTHON:-python3}"

log() { printf '==> %s\n' "$*" >&2; }

if [ "$#" -gt 0 ]; then
    projects=("$@")
else
    projects=()
    for d in scripts/corpus/*/; do
        [ -f "$d/requirements.txt" ] && projects+=("$(basename "$d")")
    done
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/pglint-corpus.XXXXXX")"
chmod 755 "$work"
pgdata="$work/pgdata"
pgsock="$work/pgsock"

if [ "$(id -u)" = 0 ]; then
    pg_user=postgres
    as_pg() { runuser -u "$pg_user" -- "$@"; }
else
    pg_user="$(id -un)"
    as_pg() { "$@"; }
fi

cleanup() {
    if [ -f "$pgdata/postmaster.pid" ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- PostgreSQL: one throwaway cluster for the whole run ----------------------------
log "starting a temporary PostgreSQL cluster (socket $pgsock, port $PGPORT_CORPUS)"
mkdir -p "$pgdata" "$pgsock"
if [ "$(id -u)" = 0 ]; then
    chown "$pg_user" "$pgdata" "$pgsock"
fi
as_pg "$PG_BIN/initdb" -D "$pgdata" -U postgres --auth=trust --encoding=UTF8 --locale=C \
    --no-sync >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
as_pg "$PG_BIN/pg_ctl" -D "$pgdata" -l "$pgsock/server.log" -w \
    -o "-p $PGPORT_CORPUS -k $pgsock -c listen_addresses= -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
    start >/dev/null || { cat "$pgsock/server.log" >&2; exit 1; }

export CORPUS_PGHOST="$pgsock" CORPUS_PGPORT="$PGPORT_CORPUS"
export PYTHONDONTWRITEBYTECODE=1 DJANGO_COLORS=nocolor

status=0
for p in "${projects[@]}"; do
    conf="scripts/corpus/$p"
    [ -f "$conf/requirements.txt" ] || { log "$p: no $conf/requirements.txt"; status=1; continue; }
    start=$(date +%s)

    # --- 1. virtualenv with the pins -------------------------------------------------
    venv="$CORPUS_DIR/venv/$p"
    if [ ! -x "$venv/bin/python" ]; then
        log "$p: creating venv in $venv"
        "$PYTHON" -m venv "$venv"
    fi
    log "$p: installing $conf/requirements.txt"
    pipi=("$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$conf/requirements.txt")
    if ! "${pipi[@]}" --only-binary :all: 2>"$work/pip-$p.log"; then
        log "$p: wheels only failed ($(tail -n 1 "$work/pip-$p.log")); allowing sdists"
        "${pipi[@]}" --prefer-binary || { log "$p: install failed"; status=1; continue; }
    fi

    # --- 2. a fresh database ---------------------------------------------------------
    db="corpus_${p//-/_}"
    as_pg "$PG_BIN/dropdb" -h "$pgsock" -p "$PGPORT_CORPUS" -U postgres --if-exists "$db"
    as_pg "$PG_BIN/createdb" -h "$pgsock" -p "$PGPORT_CORPUS" -U postgres "$db"
    export CORPUS_DB="$db"

    # --- 3. sqlmigrate + apply, in plan order, in one process ------------------------
    out="$CORPUS_DIR/out/$p"
    rm -rf "$out"
    mkdir -p "$out"
    home="$work/home-$p"   # projects that write files (media, logs, caches) write here
    mkdir -p "$home"
    (
        cd "$home"
        export CORPUS_HOME="$home"
        export PYTHONPATH="$repo_root/scripts/corpus/$p:$repo_root/scripts/corpus/lib${PYTHONPATH:+:$PYTHONPATH}"
        export DJANGO_SETTINGS_MODULE=settings
        # shellcheck disable=SC1090
        [ -f "$repo_root/$conf/env.sh" ] && . "$repo_root/$conf/env.sh"
        "$venv/bin/python" "$repo_root/scripts/corpus/build_corpus.py" "$out" </dev/null
    ) || { log "$p: build failed"; status=1; continue; }
    log "$p: done in $(( $(date +%s) - start ))s: $(find "$out" -name '*.sql' | wc -l) files in $out"
done
exit "$status"
