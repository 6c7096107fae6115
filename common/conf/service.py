"""[DEFAULT] options shared by every daemon: liveness and API listeners.

The liveness pair (``report_interval``, ``service_down_time``) must agree
across the whole deployment, which is why they live in one place.
"""

from oslo_config import cfg
from oslo_config import types

service_opts = [
    cfg.IntOpt(
        'report_interval',
        default=10,
        help="""
Seconds between two heartbeats a service writes to say it is alive.

Keep it well below ``service_down_time``: a service is considered down
when no heartbeat arrived within that window, so a slow heartbeat makes
healthy services flap between up and down.
"""),
    cfg.IntOpt(
        'service_down_time',
        default=60,
        help="""
Seconds without a heartbeat after which a service is reported down and
the scheduler stops sending work to it.

Raise it on busy deployments where heartbeats are delayed; lower it to
notice dead compute nodes sooner. It must exceed ``report_interval``.
"""),
    cfg.BoolOpt(
        'periodic_enable',
        default=True,
        help="""
Run the periodic tasks (resource audits, power state syncs, cleanups) of
the services started on this host. Turn off only when another process
runs them, or in tests.
"""),
    cfg.IntOpt(
        'periodic_fuzzy_delay',
        default=60,
        min=0,
        help="""
Upper bound, in seconds, of a random delay before the first run of the
periodic tasks. Spreading the start keeps many services restarted
together from hitting the database and the message bus at once. Zero
disables the delay.
"""),
    cfg.ListOpt(
        'enabled_apis',
        item_type=types.String(choices=['osapi_compute', 'metadata']),
        default=['osapi_compute', 'metadata'],
        help="""
APIs nova-api serves when started as one process: the compute REST API
(``osapi_compute``) and the instance metadata service (``metadata``).
Drop one to serve it from another host.
"""),
    cfg.StrOpt(
        'osapi_compute_listen',
        default='0.0.0.0',
        help="""
Address the compute API listens on. The default accepts connections on
every interface; set a single address to expose it on one network only.
"""),
    cfg.PortOpt(
        'osapi_compute_listen_port',
        default=8774,
        help="""
TCP port the compute API listens on. Change it together with the
endpoint registered in the identity service catalog.
"""),
    cfg.IntOpt(
        'osapi_compute_workers',
        min=1,
        help="""
Number of worker processes serving the compute API. When unset, one
worker per CPU of the host is started; lower it on hosts shared with
other services.
"""),
    cfg.StrOpt(
        'metadata_listen',
        default='0.0.0.0',
        help="""
Address the metadata service listens on. Instances reach it through the
network's metadata proxy, so it rarely needs to listen publicly.
"""),
    cfg.PortOpt(
        'metadata_listen_port',
        default=8775,
        help='TCP port the metadata service listens on.'),
    cfg.IntOpt(
        'metadata_workers',
        min=1,
        help="""
Number of worker processes serving the metadata API. When unset, one
worker per CPU of the host is started.
"""),
]


def register_opts(conf):
    conf.register_opts(service_opts)


def list_opts():
    return {'DEFAULT': service_opts}
