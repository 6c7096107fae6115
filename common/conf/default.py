"""[DEFAULT] options that name this node and where it keeps its state.

Defaults that depend on the machine (host name, address, checkout path)
carry a ``sample_default`` so the generated sample is the same wherever
it is built.
"""

import os
import socket

from oslo_config import cfg
from oslo_utils import netutils

_PYBASEDIR = os.path.abspath(
    os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))

default_opts = [
    cfg.HostDomainOpt(
        'host',
        default=socket.gethostname(),
        sample_default='<current_hostname>',
        help="""
Name this node goes by in the service records, in the RPC topics it
listens on and in the compute node records of its hypervisor. It must
be unique within a cell and stable across restarts: changing it makes
the node look like a new service while the old one is reported down.

Set it when the machine's host name is not what the rest of the cloud
should use, or to run several services side by side on one machine.
"""),
    cfg.StrOpt(
        'my_ip',
        default=netutils.get_my_ipv4(),
        sample_default='<host_ipv4>',
        help="""
IPv4 address of this host that other nodes can reach. It is found from
the routing table without sending any packet; set it on hosts with more
than one interface so the management network address is used.
"""),
    cfg.StrOpt(
        'my_block_storage_ip',
        default='$my_ip',
        help="""
Address this host uses to reach block storage. Defaults to ``my_ip``;
change it when storage traffic runs on a separate network.
"""),
    cfg.StrOpt(
        'pybasedir',
        default=_PYBASEDIR,
        sample_default='<Path>',
        help="""
Top of the installed code tree, used to find files shipped next to the
code. There is rarely a reason to change it.
"""),
    cfg.StrOpt(
        'state_path',
        default='$pybasedir/state',
        help="""
Top-level directory under which the services keep their state (instance
files, locks, caches). Other path options default to sub-directories of
it, so moving this one moves them all.
"""),
    cfg.BoolOpt(
        'force_raw_images',
        default=True,
        help="""
Convert images downloaded into the image cache to raw format.

Raw backing files cost disk space but spare the hypervisor the work of
decoding a compressed format on every read. Set to False to keep images
in their uploaded format (for instance when disk space is short and
``use_cow_images`` is on). Only the libvirt driver reads this, and the
``rbd`` images type requires it to stay True.
"""),
]


def register_opts(conf):
    conf.register_opts(default_opts)


def list_opts():
    return {'DEFAULT': default_opts}
