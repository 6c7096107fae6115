"""The test process itself writes: it seeds databases and runs a
conductor in-process.  The daemons it starts as processes stay
read-only, as in production (see common.db.engines)."""

from common.db import engines

engines.allow_writes()
