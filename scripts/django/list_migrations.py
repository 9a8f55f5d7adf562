"""Print "<app> <migration> <previous>" for every migration of the given apps.

Migrations are listed in dependency order within each app; <previous> is the
migration's parent in the same app, or "zero" for the first one. Used by
scripts/gen-django-fixtures.sh; needs DJANGO_SETTINGS_MODULE and no database.
"""

import sys

import django

django.setup()

from django.db.migrations.loader import MigrationLoader  # noqa: E402


def main(app_labels):
    loader = MigrationLoader(None, ignore_no_migrations=False)
    graph = loader.graph
    for app in app_labels:
        leaves = [key for key in graph.leaf_nodes() if key[0] == app]
        if len(leaves) != 1:
            sys.exit(f"{app}: expected exactly one leaf migration, found {leaves}")
        plan = [key for key in graph.forwards_plan(leaves[0]) if key[0] == app]
        for key in plan:
            parents = [p for p in graph.node_map[key].parents if p.key[0] == app]
            if len(parents) > 1:
                sys.exit(f"{app}.{key[1]}: merge migrations are not supported")
            previous = parents[0].key[1] if parents else "zero"
            print(app, key[1], previous)


if __name__ == "__main__":
    main(sys.argv[1:])
