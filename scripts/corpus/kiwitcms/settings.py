"""Kiwi TCMS's own production settings (tcms.settings.product), its database set through
the KIWI_DB_* variables it reads."""

import os

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
