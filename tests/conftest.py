"""The test process itself writes: it seeds databases and runs a
conductor in-process.  The daemons it starts as processes stay
read-only, as in production (see common.db.engines).

``glance`` (a real Glance, see tests/glance_fixture.py) is offered to
unit and functional tests alike; it starts when a test first asks.
"""

from common.db import engines
from tests.glance_fixture import glance  # noqa: F401

engines.allow_writes()
