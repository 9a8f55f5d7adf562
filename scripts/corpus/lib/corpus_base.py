"""Settings shared by the corpus projects' minimal settings modules (scripts/corpus/*/settings.py).

The database is the fresh one scripts/corpus/build.sh creates; nothing here is a secret.
"""

import os

SECRET_KEY = "pglint-corpus-not-a-secret"
DEBUG = False
USE_TZ = True
SITE_ID = 1
ALLOWED_HOSTS = ["localhost"]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
CORPUS_HOME = os.environ.get("CORPUS_HOME", "/tmp")
MEDIA_ROOT = os.path.join(CORPUS_HOME, "media")
STATIC_ROOT = os.path.join(CORPUS_HOME, "static")
STATIC_URL = "/static/"
MEDIA_URL = "/media/"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["CORPUS_DB"],
        "USER": "postgres",
        "HOST": os.environ["CORPUS_PGHOST"],
        "PORT": os.environ["CORPUS_PGPORT"],
    },
}

CONTRIB_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
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
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
