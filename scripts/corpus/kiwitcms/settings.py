"""Kiwi TCMS's own production settings (tcms.settings.product), its database set through
the KIWI_DB_* variables it reads."""

import inspect
import os

# kiwitcms 12.4 pins django-modern-rpc 0.12.1, which imports inspect.getargspec (gone in
# Python 3.11). Only the RPC layer uses it, not the migrations: a shim lets the apps load.
if not hasattr(inspect, "getargspec"):
    inspect.getargspec = lambda func: inspect.getfullargspec(func)[:4]

os.environ.update(
    KIWI_DB_ENGINE="django.db.backends.postgresql",
    KIWI_DB_NAME=os.environ["CORPUS_DB"],
    KIWI_DB_USER="postgres",
    KIWI_DB_PASSWORD="",
    KIWI_DB_HOST=os.environ["CORPUS_PGHOST"],
    KIWI_DB_PORT=os.environ["CORPUS_PGPORT"],
)

from tcms.settings.product import *  # noqa: E402,F401,F403

MEDIA_ROOT = os.path.join(os.environ.get("CORPUS_HOME", "/tmp"), "uploads")
