#!/usr/bin/env bash
# Regenerates tests/fixtures/pg_dump/billing.sql: real `pg_dump --schema-only --clean
# --if-exists` output of scripts/pg_dump_fixture/billing-schema.sql, our own schema, so the
# repository carries a current pg_dump in that style (a DROP … IF EXISTS preamble, enums, a
# domain, a partitioned table with a DEFAULT partition, a materialized view, a trigger
# function, a second schema, psql's \restrict lines) under its own licence. The migration
# versions follow as INSERTs, the way a Rails structure.sql ends.
#
#   bash scripts/gen-pg-dump-fixture.sh      # PG_BIN defaults to /usr/lib/postgresql/15/bin
#
# A throwaway cluster (unix socket only) in a temporary directory, removed at exit. As root,
# the cluster runs as the `postgres` user (initdb refuses root).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
port=${FIXTURES_PGPORT:-54330}
work=$(mktemp -d "${TMPDIR:-/tmp}/pglint-pg-dump.XXXXXX")
chmod 755 "$work"
if [ "$(id -u)" = 0 ]; then
  chown postgres "$work"
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi
cleanup() {
  as_pg "$PG_BIN/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

as_pg "$PG_BIN/initdb" -D "$work/data" -U postgres --auth=trust --locale=C --no-sync >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$work/data" -l "$work/log" -w \
  -o "-p $port -k $work -c listen_addresses=" start >/dev/null
psql() { as_pg "$PG_BIN/psql" -h "$work" -p "$port" -U postgres -v ON_ERROR_STOP=1 -q "$@"; }
psql -f - postgres <"$root/scripts/pg_dump_fixture/billing-schema.sql"
out="$root/tests/fixtures/pg_dump/billing.sql"
as_pg "$PG_BIN/pg_dump" -h "$work" -p "$port" -U postgres --schema-only --clean --if-exists postgres >"$out"
as_pg "$PG_BIN/pg_dump" -h "$work" -p "$port" -U postgres --data-only --inserts \
  -t public.schema_migrations postgres | grep '^INSERT' >>"$out"
echo "wrote $out ($(wc -l <"$out") lines)"
