"""Write the `sqlmigrate` output of every migration of one Django project.

Run by scripts/corpus/build.sh inside the project's virtualenv, with
DJANGO_SETTINGS_MODULE pointing at a settings module whose default database is
a fresh, empty PostgreSQL database:

    python build_corpus.py OUT_DIR

For every migration of Django's full plan (all apps, contrib included; squashed
migrations used the way `migrate` uses them), in plan order:

  1. the relations of the non-system schemas (pg_class) are recorded;
  2. `sqlmigrate <app> <name>` runs against that state and its output is written to
     OUT_DIR/<app>/<name>.sql (sqlmigrate introspects the live database for some
     operations, so the state matters);
  3. the migration is applied (what `migrate <app> <name>` does, without the
     post_migrate signals that a single `migrate` of the whole plan would send
     only at its end).

A squashed migration's originals are files of the project too: just before the
squashed migration is applied, each original is sqlmigrate'd and its schema
operations applied in turn inside a transaction that is then rolled back, so each
original sees the state it would have seen (RunPython is skipped there; an original
that fails to apply is listed under "fallbacks" in OUT_DIR/build.json and the next
one sees the schema without it). Migration files that are in no plan (an unused squash) are
sqlmigrate'd at the end.

Also written:
  OUT_DIR/plan.txt        the applied plan, one app/name per line
  OUT_DIR/prestate.json   {"app/name": [relations that existed before it, sorted]}
  OUT_DIR/build.json      versions, squashes, fallbacks, failures, timing
"""

import io
import json
import os
import sys
import time

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.db.migrations.loader import MigrationLoader  # noqa: E402

RELATIONS_SQL = """
SELECT c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp%%'
  AND c.relkind IN ('r', 'p', 'i', 'I', 'S', 'v', 'm', 'f')
ORDER BY c.relname
"""


# `sqlmigrate app NAME` looks NAME up as a prefix, so a migration whose name is the prefix
# of another's (pretix: 0031_auto_20160816_0648 and 0031_auto_20160816_0648_squashed_...)
# cannot be named at all. Prefer the exact name, as typing the full name means.
_by_prefix = MigrationLoader.get_migration_by_prefix


def _exact_first(self, app_label, name_prefix):
    if (app_label, name_prefix) in self.disk_migrations:
        return self.disk_migrations[app_label, name_prefix]
    return _by_prefix(self, app_label, name_prefix)


MigrationLoader.get_migration_by_prefix = _exact_first


class Rollback(Exception):
    pass


def relations():
    with connection.cursor() as cursor:
        cursor.execute(RELATIONS_SQL)
        return sorted({row[0] for row in cursor.fetchall()})


def sqlmigrate(app, name):
    out = io.StringIO()
    err = io.StringIO()
    call_command("sqlmigrate", app, name, stdout=out, stderr=err, no_color=True)
    return out.getvalue()


class Builder:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.prestate = {}
        self.written = set()
        self.info = {"squashes": {}, "fallbacks": [], "failures": [], "faked": []}

    def write(self, app, name, sql):
        path = os.path.join(self.out_dir, app, name + ".sql")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(sql)
        self.written.add((app, name))

    def record(self, app, name):
        key = f"{app}/{name}"
        try:
            sql = sqlmigrate(app, name)
        except Exception as e:  # a failing sqlmigrate is reported, not fatal
            self.info["failures"].append({"migration": key, "step": "sqlmigrate", "error": repr(e)})
            print(f"  sqlmigrate {key} failed: {e!r}", file=sys.stderr)
            return
        self.write(app, name, sql)

    def replay_originals(self, squash):
        """sqlmigrate each original of `squash` against the state it would see.

        Inside one transaction that is rolled back afterwards: for each original, record
        the relations, sqlmigrate it, then apply its schema operations (RunPython is
        skipped: the data it expects is not there, and the schema is what sqlmigrate
        introspects). An original that fails to apply is rolled back to
        its savepoint and the next one goes on from the state before it.
        """
        from django.db.migrations.operations.special import RunPython

        loader = MigrationLoader(connection, replace_migrations=False)
        originals = [key for key in squash.replaces if key in loader.graph.nodes]
        squash_key = f"{squash.app_label}/{squash.name}"
        self.info["squashes"][squash_key] = [f"{a}/{n}" for a, n in originals]
        if not originals:
            return
        state = loader.project_state(originals[0], at_end=False)
        try:
            with transaction.atomic():
                for app, name in originals:
                    key = f"{app}/{name}"
                    self.prestate[key] = relations()
                    self.record(app, name)
                    migration = loader.graph.nodes[(app, name)]
                    new_state = state.clone()
                    try:
                        with transaction.atomic():
                            with connection.schema_editor(atomic=False) as editor:
                                for operation in migration.operations:
                                    old_state = new_state.clone()
                                    operation.state_forwards(app, new_state)
                                    if isinstance(operation, RunPython):
                                        continue
                                    operation.database_forwards(app, editor, old_state, new_state)
                    except Exception as e:
                        self.info["fallbacks"].append(
                            {"squash": squash_key, "original": key, "error": repr(e)})
                        print(f"  replaying {key} (replaced by {squash_key}) failed: {e!r}",
                              file=sys.stderr)
                        # The schema stays as before it; the project state moves on.
                        for operation in migration.operations:
                            operation.state_forwards(app, state)
                        continue
                    state = new_state
                raise Rollback
        except Rollback:
            pass

    def run(self):
        t0 = time.monotonic()
        executor = MigrationExecutor(connection)
        if executor.loader.applied_migrations:
            sys.exit("the database is not empty: build.sh creates a fresh one")
        targets = executor.loader.graph.leaf_nodes()
        plan = executor.migration_plan(targets, clean_start=True)
        state = executor._create_project_state(with_applied_migrations=True)
        plan_keys = []
        for n, (migration, backwards) in enumerate(plan, 1):
            assert not backwards
            app, name = migration.app_label, migration.name
            key = f"{app}/{name}"
            plan_keys.append(key)
            if migration.replaces:
                self.replay_originals(migration)
            self.prestate[key] = relations()
            self.record(app, name)
            if "apps" not in state.__dict__:
                state.apps  # noqa: B018
            try:
                state = executor.apply_migration(state, migration)
            except Exception as e:
                # Leave a trace and record it as applied, so the rest of the plan can go on.
                self.info["failures"].append({"migration": key, "step": "apply", "error": repr(e)})
                self.info["faked"].append(key)
                print(f"  applying {key} failed ({e!r}); recorded as applied (--fake)", file=sys.stderr)
                state = executor.apply_migration(state, migration, fake=True)
            if n % 50 == 0:
                print(f"  {n}/{len(plan)} migrations, {time.monotonic() - t0:.0f}s", file=sys.stderr)

        # Migration files that no plan uses (an unused squash, say).
        disk = MigrationLoader(None, replace_migrations=False).disk_migrations
        for app, name in sorted(disk):
            if (app, name) not in self.written and not any(
                f["migration"] == f"{app}/{name}" for f in self.info["failures"]
            ):
                self.info.setdefault("outside_plan", []).append(f"{app}/{name}")
                self.prestate[f"{app}/{name}"] = relations()
                self.record(app, name)

        with open(os.path.join(self.out_dir, "plan.txt"), "w", encoding="utf-8") as f:
            f.writelines(k + "\n" for k in plan_keys)
        with open(os.path.join(self.out_dir, "prestate.json"), "w", encoding="utf-8") as f:
            json.dump(self.prestate, f, indent=0, sort_keys=True)
            f.write("\n")
        self.info["plan_length"] = len(plan_keys)
        self.info["files_written"] = len(self.written)
        self.info["seconds"] = round(time.monotonic() - t0, 1)
        self.info["django"] = django.get_version()
        self.info["postgresql"] = connection.pg_version
        with open(os.path.join(self.out_dir, "build.json"), "w", encoding="utf-8") as f:
            json.dump(self.info, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"  {len(plan_keys)} migrations in the plan, {len(self.written)} files, "
              f"{len(self.info['failures'])} failures, {self.info['seconds']}s", file=sys.stderr)


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    Builder(out).run()
