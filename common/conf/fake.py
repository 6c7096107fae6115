"""[fake] options of the fake virt driver (``compute_driver =
fake.FakeDriver``).

The fake driver lets one nova-compute stand in for many hypervisors, so
the control plane can be exercised at scale without real guests.
"""

from oslo_config import cfg

fake_group = cfg.OptGroup(
    'fake',
    title='Fake driver options',
    help='Simulated hosts reported by the fake virt driver.')

fake_opts = [
    cfg.IntOpt(
        'host_count',
        default=1,
        min=1,
        help="""
Number of simulated hypervisors (compute nodes) one nova-compute
reports. Raise it to test scheduling over many hosts with few processes.
"""),
    cfg.IntOpt(
        'vcpus',
        default=64,
        min=1,
        help='VCPUs each simulated hypervisor reports.'),
    cfg.IntOpt(
        'memory_mb',
        default=131072,
        min=1,
        help='Memory, in MiB, each simulated hypervisor reports.'),
    cfg.IntOpt(
        'local_gb',
        default=2048,
        min=1,
        help='Local disk, in GiB, each simulated hypervisor reports.'),
    cfg.StrOpt(
        'hypervisor_type',
        default='fake',
        help='Hypervisor type shown in the hypervisor API.'),
    cfg.IntOpt(
        'hypervisor_version',
        default=1000,
        help="""
Hypervisor version reported, as Nova encodes it (major * 1000000 +
minor * 1000 + patch); the hypervisor version weigher reads it.
"""),
    cfg.PortOpt(
        'vnc_port',
        default=5900,
        help="""
Port of the VNC server the simulated guests' consoles point at, on
``[vnc] server_proxyclient_address``: every guest shares it. Run a VNC
server there to open the fake guests' consoles through the proxy.
"""),
    cfg.StrOpt(
        'hypervisor_hostname',
        help="""
Node name of the first simulated hypervisor; further ones get a numeric
suffix. When unset the service's ``host`` is used.
"""),
]


def register_opts(conf):
    conf.register_group(fake_group)
    conf.register_opts(fake_opts, group=fake_group)


def list_opts():
    return {fake_group: fake_opts}
