"""The configuration of every nova service, on oslo.config's global CONF.

Importing this package registers all options once, so any module can
read ``CONF.<group>.<name>`` without caring which daemon it runs in::

    from common.conf import CONF

Options owned by libraries are registered here too when the code reads
them before the library does: ``[oslo_concurrency] lock_path`` and
oslo.messaging's [DEFAULT] options (``transport_url``,
``rpc_response_timeout``, ``control_exchange``...), which oslo.messaging
would otherwise register only when the first transport is created.
"""

from oslo_concurrency import opts as concurrency_opts
from oslo_config import cfg
import oslo_messaging
from oslo_messaging import opts as messaging_opts

from common.conf import api
from common.conf import availability_zone
from common.conf import compute
from common.conf import conductor
from common.conf import console
from common.conf import consoleauth
from common.conf import database
from common.conf import default
from common.conf import fake
from common.conf import glance
from common.conf import image_cache
from common.conf import keystone
from common.conf import libvirt
from common.conf import novnc
from common.conf import placement
from common.conf import quota
from common.conf import scheduler
from common.conf import service
from common.conf import upgrade_levels
from common.conf import vnc
from common.conf import wsgi

CONF = cfg.CONF

# Every module with register_opts()/list_opts(); opts.list_opts() walks
# the same tuple, so the sample and the runtime cannot drift apart.
AREAS = (
    default, service, compute, novnc, api, wsgi, database, scheduler,
    conductor, upgrade_levels, fake, libvirt, image_cache, vnc,
    consoleauth, console, glance, keystone, placement, quota,
    availability_zone,
)

# Nova's exchange name. Set before the options are copied below: the
# copies must equal oslo.messaging's own objects, or registering those
# when a transport is created fails as a duplicate.
oslo_messaging.set_transport_defaults(control_exchange='nova')


def _register_library_opts(conf):
    for group, opts in concurrency_opts.list_opts():
        conf.register_opts(opts, group=group)
    for group, opts in messaging_opts.list_opts():
        if group is None:
            conf.register_opts(opts)


def register_all(conf):
    """Register every option on ``conf``; safe to call more than once.

    Tests use it to get a private ``cfg.ConfigOpts`` that behaves like
    the global one without touching it.
    """
    for area in AREAS:
        area.register_opts(conf)
    _register_library_opts(conf)


register_all(CONF)
