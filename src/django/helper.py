"""pglint's Django helper: run by `pglint django` with the project's own Python.

Reads one JSON request on stdin:
    {"settings": "proj.settings" | null, "manage_py": "/abs/manage.py" | null,
     "database": "default", "targets": ["/abs/app/migrations/0002_x.py", ...],
     "fresh_database": bool}
and writes one JSON answer on the file descriptor named by PGLINT_ANSWER_FD, a pipe of
pglint's own (stdout only when run by hand, without it): the project's code runs in this
process, and what it prints on stdout, at import or at exit, must not pass for the answer:
    {"error": null | "why nothing could be done",
     "django": "5.2.19",
     "connection": null | {"alias": "default", "server_version": 16 | null,
                           "lock_timeout": "5s" | null, "lock_timeout_from": str | null},
     "fresh_database": null | "test_x_pglint",
     "warnings": [str],
     "unresolved": [{"path": ..., "error": ...}],
     "skipped": [{"path": ..., "reason": ...}],
     "migrations": [{"app", "name", "module", "path", "target": bool,
                     "line": int | null, "column": int | null,  (the Migration class)
                     "sql": str | null, "error": str | null,
                     "operations": [{"describe": str, "line": int | null,
                                     "column": int | null}]}]}

`migrations` is the forwards plan of every target, in order: the earlier ones are context.
The plan is Django's own, as `migrate` makes it: the loader swaps a squashed migration in for
the migrations it `replaces` when all or none of them are applied on the database, and keeps
the originals when only some are (`MigrationLoader.replacements`). A target that the plan
does not apply (an original replaced by its squash, or a squash that is not used) is
`skipped`, with the reason, not linted. The SQL of each is what `manage.py sqlmigrate APP
NAME` prints: the same `collect_sql` code path, the same BEGIN/COMMIT wrapping, from the same
project state. Context migrations carry the project state forward (one pass, not one state
per migration); each target starts from its own `project_state(at_end=False)`, as sqlmigrate
does.

With `fresh_database`, nothing needs to be migrated beforehand: the helper makes a throwaway
database on the configured server (Django's test-database machinery: `TEST['NAME']`, else
`test_` + `NAME`, with `_pglint` appended), walks the plan rendering each migration's SQL and
then applying it there for real (RunPython included), so a migration that looks names up in the
database renders against exactly the schema it will run on; the database is dropped at the end,
whatever happened (see `ThrowawayDatabase`).
"""

import ast
import json
import os
import signal
import sys
import traceback

# Run by main() after run(), whatever happened there: what must not outlive the helper (the
# throwaway database).
CLEANUPS = []


def one_line(exc):
    """`Type: message`, with the file and line of a syntax error."""
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, SyntaxError) and exc.filename:
        text += f" ({exc.filename}:{exc.lineno})"
    return " ".join(text.split())


def settings_from_manage_py(path):
    """The DJANGO_SETTINGS_MODULE that manage.py sets with os.environ.setdefault(...)."""
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
    except (OSError, SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setdefault"
            and len(node.args) == 2
            and all(isinstance(a, ast.Constant) for a in node.args)
            and node.args[0].value == "DJANGO_SETTINGS_MODULE"
            and isinstance(node.args[1].value, str)
        ):
            return node.args[1].value
    return None


def operation_places(path):
    """Where the migration is in its `.py` file: `{"migration": [line, column], "operations":
    [[line, column], ...] | None}` (1-based; columns count characters) for the `class
    Migration` statement and each element of its `operations = [...]`; None when the file
    cannot be read or has no Migration class. Operations are None when the list is not
    literal."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        tree = ast.parse(text, path)
    except (OSError, SyntaxError, ValueError):
        return None
    lines = text.splitlines()

    def place(node):
        # ast's col_offset counts UTF-8 bytes; reports count characters.
        line = lines[node.lineno - 1] if node.lineno <= len(lines) else ""
        column = len(line.encode("utf-8")[: node.col_offset].decode("utf-8", "replace"))
        return [node.lineno, column + 1]

    for cls in tree.body:
        if not isinstance(cls, ast.ClassDef) or cls.name != "Migration":
            continue
        found = {"migration": place(cls), "operations": None}
        for stmt in cls.body:
            if isinstance(stmt, ast.Assign):
                names = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                names = [stmt.target.id]
            else:
                continue
            if "operations" in names and isinstance(stmt.value, (ast.List, ast.Tuple)):
                found["operations"] = [place(element) for element in stmt.value.elts]
        return found
    return None


def display_path(module):
    """`django/contrib/auth/migrations/0001_initial.py` for a module outside the project."""
    return module.replace(".", "/") + ".py"


def own_migrations(project_apps, graph, not_applied, answer):
    """Every migration of the project's own apps (installed apps whose folder is under the
    project's root and not under a site-packages), in plan order; those the plan does not
    apply (a squash's originals, or the squash) are left out."""
    from django.apps import apps as registry

    root = os.path.realpath(project_apps["root"])
    wanted = set(project_apps.get("apps") or [])
    labels = {config.label for config in registry.get_app_configs()}
    for label in sorted(wanted - labels):
        answer["error"] = f"no installed app with the label `{label}` (--app)"
        return []
    own = set()
    for config in registry.get_app_configs():
        path = os.path.realpath(config.path)
        inside = path == root or path.startswith(root + os.sep)
        packaged = any(p in ("site-packages", "dist-packages") for p in path.split(os.sep))
        if inside and not packaged and (not wanted or config.label in wanted):
            own.add(config.label)
    plan = []
    seen = set()
    for leaf in sorted(graph.leaf_nodes()):
        for node in graph.forwards_plan(leaf):
            if node not in seen:
                seen.add(node)
                plan.append(node)
    return [key for key in plan if key[0] in own and key not in not_applied]


def skipped_by_the_plan(loader, alias):
    """Migration key -> why Django's plan does not apply it: squashes and the migrations they
    replace that the loader took out of the graph (`MigrationLoader.build_graph`: the squash is
    used when all or none of the migrations it replaces are applied, the originals otherwise).
    """
    out = {}
    for key, migration in loader.replacements.items():
        applied = [target in loader.applied_migrations for target in migration.replaces]
        squash = f"{key[0]}.{key[1]}"
        if key in loader.graph.nodes:
            state = "all of them are" if all(applied) else "none of them is"
            for target in migration.replaces:
                if target not in loader.graph.nodes:
                    out.setdefault(
                        target,
                        f"Django's plan uses {squash}, which replaces it, instead "
                        f"({state} applied on the database `{alias}`)",
                    )
        else:
            done = sum(applied)
            verb = "is" if done == 1 else "are"
            out.setdefault(
                key,
                "Django's plan uses the migrations it replaces instead (only "
                f"{done} of those {len(applied)} {verb} applied on the database `{alias}`, "
                "so the squash cannot be used)",
            )
    return out


def options_lock_timeout(options):
    """The lock_timeout that libpq's `options` string (`-c lock_timeout=5s`, `-clock_timeout=5s`
    or `--lock-timeout=5s`, backslash-escaped spaces) sets, or None."""
    if not isinstance(options, str):
        return None
    words, word, escaped = [], "", False
    for ch in options:
        if escaped:
            word, escaped = word + ch, False
        elif ch == "\\":
            escaped = True
        elif ch.isspace():
            if word:
                words.append(word)
            word = ""
        else:
            word += ch
    if word:
        words.append(word)
    found = None
    pending = False
    for w in words:
        setting = None
        if pending:
            setting, pending = w, False
        elif w == "-c":
            pending = True
        elif w.startswith("-c"):
            setting = w[2:]
        elif w.startswith("--"):
            setting = w[2:]
        if setting and "=" in setting:
            name, value = setting.split("=", 1)
            if name.strip().replace("-", "_").lower() == "lock_timeout":
                found = value.strip()  # the last one wins, as in PostgreSQL
    return found


def is_zero(value):
    """Whether a lock_timeout value (`0`, `'0s'`, `5s`, `5000`) turns the timeout off."""
    digits = ""
    for ch in value.strip().strip("'\""):
        if ch.isdigit() or ch == ".":
            digits += ch
        else:
            break
    try:
        return float(digits) == 0
    except ValueError:
        return False


def connection_facts(connection, alias):
    """What the connection `migrate` would use already sets: lock_timeout (the live
    connection's `SHOW lock_timeout` is the truth, whatever set it; the settings' OPTIONS when
    it cannot be asked) and the server's major version."""
    facts = {
        "alias": alias,
        "server_version": None,
        "lock_timeout": None,
        "lock_timeout_from": None,
    }
    try:
        facts["server_version"] = connection.pg_version // 10000
    except Exception:  # noqa: BLE001 - a fact less, not an error
        pass
    options = (connection.settings_dict.get("OPTIONS") or {}).get("options")
    configured = options_lock_timeout(options)
    if configured is not None and is_zero(configured):
        configured = None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            live = cursor.fetchone()[0]
    except Exception:  # noqa: BLE001
        live = None
    where = f"DATABASES['{alias}']['OPTIONS']['options']"
    if live is None:
        if configured is not None:
            facts["lock_timeout"], facts["lock_timeout_from"] = configured, where
    elif not is_zero(live):
        facts["lock_timeout"] = live
        facts["lock_timeout_from"] = (
            where
            if configured is not None
            else "the server's, the database's or the role's settings, or PGOPTIONS"
        )
    return facts


def answer_channel():
    """The answer's file descriptor, hidden from the project's code before it is imported:
    taken out of the environment, and not inherited by the programs it runs."""
    fd = os.environ.pop("PGLINT_ANSWER_FD", None)
    if fd is None:
        return os.dup(sys.stdout.fileno())  # run by hand
    fd = int(fd)
    os.set_inheritable(fd, False)
    return fd


class Terminated(BaseException):
    """SIGTERM, which pglint sends at its deadline (--helper-timeout) before it kills: raised
    in the main thread so that the `finally` of main() drops the throwaway database. Not an
    Exception, so that no `except Exception` of the project's code swallows it."""


def on_sigterm(_signum, _frame):
    raise Terminated()


class ThrowawayDatabase:
    """The database `fresh_database` walks the plan on: made empty on the configured server
    before anything else, each migration applied after its SQL is collected, dropped by
    main() at the end whatever happened (a SIGTERM included).

    Django's `create_test_db` is not used as a whole: it runs `migrate` (or, with
    TEST['MIGRATE'] = False, `syncdb` of every model), so the tables would exist before the
    first migration. Its parts are: `_create_test_db` (CREATE DATABASE, clobbering a leftover
    of the same name) and the settings switch that `create_test_db` makes. The name is
    Django's test database name plus `_pglint`: recognisable, never the project's own test
    database (which `manage.py test --keepdb` may be using), and a leftover of a killed run is
    clobbered by the next one."""

    current = None

    def __init__(self, connection, name, configured_name):
        self.connection = connection
        self.name = name
        self.configured_name = configured_name
        self.state = None
        self.created = False

    @classmethod
    def create(cls, connection, answer):
        """Makes the database and points `connection` at it; False (with the error in
        `answer`) when it cannot."""
        from django.conf import settings

        alias = connection.alias
        if connection.vendor != "postgresql":
            answer["error"] = f"the database `{alias}` is {connection.vendor}, not PostgreSQL"
            return False
        configured = connection.settings_dict.get("NAME")
        test = connection.settings_dict.get("TEST") or {}
        name = (test.get("NAME") or f"test_{configured or 'postgres'}") + "_pglint"
        taken = {(db.get("NAME") or "") for db in settings.DATABASES.values()}
        if name in taken:
            answer["error"] = (
                f"the throwaway database would be `{name}`, a database of settings.DATABASES: "
                "pglint does not make (and drop) it"
            )
            return False
        creation = connection.creation
        logged = []
        # Django writes why CREATE DATABASE failed to stderr, then calls sys.exit().
        creation.log = logged.append
        # From here on, whatever happens, main() drops it once made. Not before: a database
        # of that name that cannot be clobbered is another run's, in use. (A SIGTERM during
        # CREATE DATABASE may leave it behind: the next run clobbers it.)
        cls.current = cls(connection, name, configured)
        CLEANUPS.append(cls.current.destroy)
        signal.signal(signal.SIGTERM, on_sigterm)
        test_settings = dict(test, NAME=name)
        saved_test = connection.settings_dict.get("TEST")
        connection.settings_dict["TEST"] = test_settings
        try:
            creation._create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        except (Exception, SystemExit) as exc:  # noqa: BLE001
            why = "; ".join(" ".join(m.split()) for m in logged) or one_line(exc)
            if "other users" in why:
                why += " (another `pglint django --fresh-database` on this server?)"
            answer["error"] = (
                f"cannot create the throwaway database `{name}` for the database `{alias}` "
                f"(--fresh-database): {why}"
            )
            return False
        finally:
            connection.settings_dict["TEST"] = saved_test
        cls.current.created = True
        # What create_test_db does once the database exists.
        connection.close()
        settings.DATABASES[alias]["NAME"] = name
        connection.settings_dict["NAME"] = name
        answer["fresh_database"] = name
        return True

    @classmethod
    def apply(cls, connection, loader, key, migration, answer):
        """Applies `migration` to the throwaway database for real and records it, as
        `migrate` does (MigrationExecutor.apply_migration); nothing without one. A migration
        that fails (rolled back when atomic) is left out with a warning, and the walk goes on:
        the ones after it may not need what it changes, and render as well as they can."""
        self = cls.current
        if self is None or self.connection is not connection:
            return
        from django.db.migrations.recorder import MigrationRecorder

        try:
            if self.state is None:
                # The plan starts with a migration that depends on none: the empty state.
                self.state = loader.project_state(key, at_end=False)
            with connection.schema_editor(atomic=migration.atomic) as editor:
                self.state = migration.apply(self.state, editor)
            recorder = MigrationRecorder(connection)
            for app, name in migration.replaces or [key]:
                recorder.record_applied(app, name)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - a warning, the walk goes on
            traceback.print_exc(file=sys.stderr)
            answer["warnings"].append(
                f"{display_path(type(migration).__module__)}: applying it to the throwaway "
                f"database `{self.name}` failed ({one_line(exc)}), as `migrate` would: the "
                "migrations after it are rendered and applied without what it changes"
            )

    def destroy(self, answer):
        """Drops the database once made, and puts the configured name back."""
        from django.conf import settings

        if not self.created:
            return
        connection = self.connection
        name = connection.ops.quote_name(self.name)
        try:
            connection.close()
            close_pool = getattr(connection, "close_pool", None)
            if close_pool is not None:
                close_pool()
            with connection.creation._nodb_cursor() as cursor:
                try:
                    # PostgreSQL 13+: a session the project's code left open is ended.
                    cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                except Exception:  # noqa: BLE001 - older servers
                    cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        except (Exception, SystemExit, Terminated) as exc:  # noqa: BLE001
            answer["warnings"].append(
                f"the throwaway database `{self.name}` could not be dropped ({one_line(exc)}): "
                f"drop it by hand (DROP DATABASE {name})"
            )
        finally:
            settings.DATABASES[connection.alias]["NAME"] = self.configured_name
            connection.settings_dict["NAME"] = self.configured_name


def main():
    channel = answer_channel()
    request = json.load(sys.stdin)
    answer = {
        "error": None,
        "django": None,
        "connection": None,
        "fresh_database": None,
        "warnings": [],
        "unresolved": [],
        "skipped": [],
        "migrations": [],
    }
    real_stdout = sys.stdout
    # Prints end up with the tracebacks, in the order written (pglint shows their last lines).
    sys.stdout = sys.stderr
    try:
        run(request, answer)
    except Exception as exc:  # noqa: BLE001 - reported, never raised
        answer["error"] = one_line(exc)
        traceback.print_exc(file=sys.stderr)
    except SystemExit as exc:
        # The project's own code (settings, an app's ready()) called sys.exit(): say so, rather
        # than leave pglint with no answer at all.
        answer["error"] = f"the project's code called sys.exit({exc.code!r}) while loading"
        traceback.print_exc(file=sys.stderr)
    except Terminated:
        answer["error"] = "stopped by pglint (--helper-timeout)"
    finally:
        for cleanup in reversed(CLEANUPS):
            cleanup(answer)
        sys.stdout = real_stdout
    # Closed before returning: from then on nothing in this process can write to it.
    with os.fdopen(channel, "w", encoding="utf-8") as out:
        json.dump(answer, out)


def run(request, answer):
    manage_py = request.get("manage_py")
    if manage_py:
        project = os.path.dirname(os.path.abspath(manage_py))
        if project not in sys.path:
            sys.path.insert(0, project)
    settings = request.get("settings") or os.environ.get("DJANGO_SETTINGS_MODULE")
    if not settings and manage_py:
        settings = settings_from_manage_py(manage_py)
    if not settings:
        answer["error"] = (
            "no Django settings module: pass --settings MODULE, set DJANGO_SETTINGS_MODULE, "
            "or pass --manage-py PATH to a manage.py that sets it"
        )
        return
    os.environ["DJANGO_SETTINGS_MODULE"] = settings

    try:
        import django
    except ImportError as exc:
        answer["error"] = (
            f"cannot import Django with {sys.executable}: {one_line(exc)} "
            "(pass --python with the project's virtualenv python)"
        )
        return
    answer["django"] = django.get_version()
    try:
        django.setup()
    except Exception as exc:  # noqa: BLE001
        answer["error"] = f"cannot load the Django settings `{settings}`: {one_line(exc)}"
        return

    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.loader import MigrationLoader

    alias = request.get("database") or DEFAULT_DB_ALIAS
    if alias not in connections.settings:
        answer["error"] = f"no database `{alias}` in settings.DATABASES"
        return
    connection = connections[alias]
    if request.get("fresh_database") and not ThrowawayDatabase.create(connection, answer):
        return
    try:
        connection.ensure_connection()
    except Exception as exc:  # noqa: BLE001
        answer["error"] = (
            f"cannot connect to the database `{alias}` (sqlmigrate needs it): {one_line(exc)}"
        )
        return
    if connection.vendor != "postgresql":
        answer["error"] = f"the database `{alias}` is {connection.vendor}, not PostgreSQL"
        return

    answer["connection"] = connection_facts(connection, alias)

    # What `migrate` uses: squashed migrations swapped in where Django would use them.
    loader = MigrationLoader(connection)
    graph = loader.graph
    not_applied = skipped_by_the_plan(loader, alias)

    by_file = {}
    for key, migration in loader.disk_migrations.items():
        module = sys.modules.get(type(migration).__module__)
        path = getattr(module, "__file__", None)
        if path:
            by_file[os.path.realpath(path)] = key

    targets = []
    for path in request.get("targets", []):
        key = by_file.get(os.path.realpath(path))
        if key is None:
            answer["unresolved"].append(
                {
                    "path": path,
                    "error": "not a migration of an installed app "
                    "(is its app in INSTALLED_APPS, and is this the project's settings?)",
                }
            )
        elif key in not_applied:
            answer["skipped"].append({"path": path, "reason": not_applied[key]})
        elif key not in graph.nodes:
            answer["unresolved"].append(
                {"path": path, "error": f"{key[0]}.{key[1]} is not in the migration graph"}
            )
        elif key not in targets:
            targets.append(key)

    project_apps = request.get("project_apps")
    if project_apps is not None:
        targets.extend(own_migrations(project_apps, graph, not_applied, answer))

    plan = []
    seen = set()
    for key in targets:
        for node in graph.forwards_plan(key):
            if node not in seen:
                seen.add(node)
                plan.append(node)

    target_set = set(targets)
    state = None
    for key in plan:
        migration = graph.nodes[key]
        module = type(migration).__module__
        path = getattr(sys.modules.get(module), "__file__", None)
        entry = {
            "app": key[0],
            "name": key[1],
            "module": module,
            "path": os.path.realpath(path) if path else None,
            "display": display_path(module),
            "target": key in target_set,
            "line": None,
            "column": None,
            "sql": None,
            "error": None,
            "operations": [],
        }
        answer["migrations"].append(entry)
        # Every migration's places, not only the targets': a finding's related place may be
        # in an earlier migration.
        places = operation_places(path) if path else None
        if places is not None:
            entry["line"], entry["column"] = places["migration"]
        ops = places and places["operations"]
        if ops is not None and len(ops) != len(migration.operations):
            ops = None
        for i, operation in enumerate(migration.operations):
            line, column = ops[i] if ops else (None, None)
            entry["operations"].append(
                {"describe": operation.describe(), "line": line, "column": column}
            )
        if entry["target"]:
            state = None  # exactly sqlmigrate's state for the target
        try:
            with connection.schema_editor(
                collect_sql=True, atomic=migration.atomic
            ) as editor:
                if state is None:
                    state = loader.project_state(key, at_end=False)
                state = migration.apply(state, editor, collect_sql=True)
            statements = editor.collected_sql
        except Exception as exc:  # noqa: BLE001
            state = None
            entry["error"] = f"sqlmigrate {key[0]} {key[1]} failed: {one_line(exc)}"
            if entry["target"]:
                traceback.print_exc(file=sys.stderr)
            ThrowawayDatabase.apply(connection, loader, key, migration, answer)
            continue
        ThrowawayDatabase.apply(connection, loader, key, migration, answer)
        output = "\n".join(statements)
        if output and migration.atomic and connection.features.can_rollback_ddl:
            output = "%s\n%s\n%s" % (
                connection.ops.start_transaction_sql(),
                output,
                connection.ops.end_transaction_sql(),
            )
        entry["sql"] = output + "\n" if output else ""


if __name__ == "__main__":
    main()
