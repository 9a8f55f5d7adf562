"""Misago's own app list (misago.settings.INSTALLED_APPS, contrib apps included) with the
settings its devproject sets that the apps need at import time."""

from corpus_base import *  # noqa: F401,F403
from corpus_base import TEMPLATES
from misago.settings import *  # noqa: F401,F403
from misago.settings import TEMPLATE_CONTEXT_PROCESSORS

AUTH_USER_MODEL = "misago_users.User"
AUTHENTICATION_BACKENDS = ["misago.users.authbackends.MisagoBackend"]
TEMPLATES[0]["OPTIONS"]["context_processors"] = TEMPLATE_CONTEXT_PROCESSORS
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
MISAGO_ADDRESS = "http://localhost/"
MISAGO_AVATAR_STORE = CORPUS_HOME + "/avatars"  # noqa: F405
INTERNAL_IPS = []
