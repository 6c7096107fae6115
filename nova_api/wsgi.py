"""The compute API for an external WSGI server (uWSGI, mod_wsgi,
gunicorn with its own configuration)::

    gunicorn nova_api.wsgi:application

nova.conf is read from the files listed in ``OS_NOVA_CONFIG_FILES``
(separated by ';'), else /etc/nova/nova.conf, as Nova's wsgi module
does.  The server's own command line is not ours to parse.
"""

import os

from common import config
from nova_api import app

CONFIG_FILES_ENV = 'OS_NOVA_CONFIG_FILES'
DEFAULT_CONFIG_FILES = '/etc/nova/nova.conf'


def init_application():
    files = os.environ.get(CONFIG_FILES_ENV, DEFAULT_CONFIG_FILES)
    config.parse_args(['nova-api-wsgi'],
                      default_config_files=[f for f in files.split(';')
                                            if f])
    return app.build_app()


application = init_application()
