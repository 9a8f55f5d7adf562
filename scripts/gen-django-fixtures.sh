#!/usr/bin/env bash
# Regenerate the Django `sqlmigrate` output that pglint's tests and examples lint:
#
#   tests/fixtures/django/<app>/<NNNN_name>.sql   every migration of the contrib apps
#   examples/shop/<NNNN_name>.sql                 every migration of scripts/django/shop/
#
# Usage (from anywhere; paths are relative to the repository root):
#   bash scripts/gen-django-fixtures.sh
#
# What it does, all inside one temporary directory that is removed at exit:
#   1. a venv with the exact versions pinned in scripts/django/requirements.txt;
#   2. a throwaway PostgreSQL cluster (initdb; unix socket only, port 54329);
#   3. a throwaway Django project: contrib apps + the `shop` app copied from scripts/django/shop;
#   4. for every migration, in order: `migrate <app> <previous|zero>`, then
#      `sqlmigrate <app> <name>` (written verbatim), then apply it, so that each
#      sqlmigrate sees the database state it would see in a real deployment.
#      sqlmigrate introspects the live database for some operations (dropping
#      auto-named constraints, unique_together, CreateExtension), so running it
#      against an empty database gives different or failing output.
#
# Environment:
#   PG_BIN              PostgreSQL binaries (default /usr/lib/postgresql/15/bin)
#   FIXTURES_PGPORT     port of the temporary cluster (default 54329; no TCP listener)
#   PYTHON              Python used to create the venv (default python3)
#   PGLINT_DJANGO_VENV  reuse (or create) a venv at this path instead of a temporary one
#
# Run as root, the cluster runs as the `postgres` user (initdb refuses root).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PGPORT_FIXTURES="${FIXTURES_PGPORT:-54329}"
PYTHON="${PYTHON:-python3}"

CONTRIB_APPS=(contenttypes auth admin sessions sites flatpages redirects)
SHOP_APP=shop
# Migrations that PostgreSQL refuses to run (that is what they demonstrate):
# recorded as applied with `migrate --fake` after their sqlmigrate output is taken.
FAKE_APPLY=("shop 0009_auditlog_happened_at_idx")

log() { printf '==> %s\n' "$*" >&2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/pglint-django-fixtures.XXXXXX")"
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

# --- 1. Python environment ---------------------------------------------------
venv="${PGLINT_DJANGO_VENV:-$work/venv}"
if [ ! -x "$venv/bin/python" ]; then
    log "creating venv in $venv"
    "$PYTHON" -m venv "$venv"
fi
log "installing scripts/django/requirements.txt"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/django/requirements.txt
py="$venv/bin/python"

# --- 2. PostgreSQL -------------------------------------------------------------
log "starting a temporary PostgreSQL cluster (socket $pgsock, port $PGPORT_FIXTURES)"
mkdir -p "$pgdata" "$pgsock"
if [ "$(id -u)" = 0 ]; then
    chown "$pg_user" "$pgdata" "$pgsock"
fi
as_pg "$PG_BIN/initdb" -D "$pgdata" -U postgres --auth=trust --encoding=UTF8 --locale=C \
    --no-sync >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
as_pg "$PG_BIN/pg_ctl" -D "$pgdata" -l "$pgsock/server.log" -w \
    -o "-p $PGPORT_FIXTURES -k $pgsock -c listen_addresses= -c fsync=off" start >/dev/null \
    || { cat "$pgsock/server.log" >&2; exit 1; }
as_pg "$PG_BIN/createdb" -h "$pgsock" -p "$PGPORT_FIXTURES" -U postgres pglint_fixtures

# --- 3. Django project ---------------------------------------------------------
proj="$work/project"
mkdir -p "$proj/fixtureproj"
cp -R scripts/django/shop "$proj/$SHOP_APP"
find "$proj/$SHOP_APP" -name __pycache__ -prune -exec rm -rf {} +
: >"$proj/fixtureproj/__init__.py"
cat >"$proj/fixtureproj/settings.py" <<EOF
SECRET_KEY = "pglint-fixtures-not-a-secret"
DEBUG = False
USE_TZ = True
SITE_ID = 1
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",  # no models; keeps the admin's system checks quiet
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.redirects",
    "$SHOP_APP",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "pglint_fixtures",
        "USER": "postgres",
        "HOST": "$pgsock",
        "PORT": "$PGPORT_FIXTURES",
    },
}
EOF
cat >"$proj/manage.py" <<'EOF'
import sys

from django.core.management import execute_from_command_line

execute_from_command_line(sys.argv)
EOF

export DJANGO_SETTINGS_MODULE=fixtureproj.settings
export PYTHONPATH="$proj"
export PYTHONDONTWRITEBYTECODE=1
export DJANGO_COLORS=nocolor
manage() { (cd "$proj" && "$py" manage.py "$@" </dev/null); }

log "checking that scripts/django/shop/models.py matches its migrations"
manage check
manage makemigrations "$SHOP_APP" --check --dry-run

# --- 4. sqlmigrate, one migration at a time -------------------------------------
out_dir() {
    if [ "$1" = "$SHOP_APP" ]; then
        echo "examples/$SHOP_APP"
    else
        echo "tests/fixtures/django/$1"
    fi
}

is_fake() {
    local entry
    for entry in "${FAKE_APPLY[@]}"; do
        [ "$entry" = "$1 $2" ] && return 0
    done
    return 1
}

# Only the output directories' .sql files are ours to replace; anything else in them
# (READMEs) is kept. Removing first makes a renamed migration leave no stale file.
for app in "${CONTRIB_APPS[@]}" "$SHOP_APP"; do
    dir="$(out_dir "$app")"
    mkdir -p "$dir"
    find "$dir" -maxdepth 1 -name '*.sql' -delete
done

plan="$work/plan.txt"
(cd "$proj" && "$py" "$repo_root/scripts/django/list_migrations.py" "${CONTRIB_APPS[@]}" "$SHOP_APP") >"$plan"

count=0
while read -r app name previous; do
    dir="$(out_dir "$app")"
    manage migrate "$app" "$previous" --no-input -v 0
    manage sqlmigrate "$app" "$name" >"$dir/$name.sql.tmp"
    mv "$dir/$name.sql.tmp" "$dir/$name.sql"
    if is_fake "$app" "$name"; then
        log "$dir/$name.sql (recorded as applied with --fake)"
        manage migrate "$app" "$name" --fake --no-input -v 0
    else
        log "$dir/$name.sql"
        manage migrate "$app" "$name" --no-input -v 0
    fi
    count=$((count + 1))
done <"$plan"

# Every migration must now be applied (migrate --check fails otherwise).
manage migrate --check --no-input -v 0
log "wrote $count files"
