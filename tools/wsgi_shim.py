"""The WSGI application of an OpenStack service, for gunicorn.

Keystone and Glance parse ``sys.argv`` with oslo.config when their
application is built, and gunicorn's own arguments would kill every
worker; this module hides them.  A worker that exits while importing
is booted again forever, so an exit becomes an exception instead, which
makes gunicorn give up at once.

    WSGI_APPLICATION_MODULE=keystone.wsgi.api \\
        gunicorn --pythonpath tools wsgi_shim:application

The test fixtures (tests/gunicorn_service.py) and tools/aio.sh serve
Keystone and Glance this way.
"""

import importlib
import os
import sys

sys.argv = sys.argv[:1]
_MODULE = os.environ['WSGI_APPLICATION_MODULE']

try:
    application = importlib.import_module(_MODULE).application
except SystemExit as e:
    raise RuntimeError('%s exited while loading: %s' % (_MODULE, e)) from e
