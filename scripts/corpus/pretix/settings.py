"""pretix's own settings module (pretix.settings), configured through a pretix.cfg that
points it at the corpus database and keeps its data directory in CORPUS_HOME."""

import os

_home = os.environ.get("CORPUS_HOME", "/tmp")
_cfg = os.path.join(_home, "pretix.cfg")
with open(_cfg, "w") as _f:
    _f.write(f"""[pretix]
datadir={_home}/data
instance_name=corpus
url=http://localhost

[django]
secret=pglint-corpus-not-a-secret

[database]
backend=postgresql
name={os.environ["CORPUS_DB"]}
user=postgres
host={os.environ["CORPUS_PGHOST"]}
port={os.environ["CORPUS_PGPORT"]}
""")
os.environ["PRETIX_CONFIG_FILE"] = _cfg
os.makedirs(os.path.join(_home, "data"), exist_ok=True)

from pretix.settings import *  # noqa: E402,F401,F403
