"""django-oscar's sandbox-like settings: oscar.INSTALLED_APPS (contrib, oscar and its third-party apps)."""

from corpus_base import *  # noqa: F401,F403
from oscar import INSTALLED_APPS  # noqa: F401
from oscar.defaults import *  # noqa: F401,F403

HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
