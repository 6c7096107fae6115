"""A second host for multi-node tests: a network namespace joined to
this one by a veth pair, on private addresses the test picks.

Inside the namespace there are only ``lo`` and the far end of the
veth, so a daemon started there with ``command()`` reaches the
controller only at ``controller_address``: whatever listens on this
side's 127.0.0.1 is out of its reach, as it would be on another
machine.

The addresses are a /30 of 198.18.0.0/15 (RFC 2544 sets it aside for
benchmark networks, so no real network should use it), picked at
random per run and clear of every address and route of this host; the
names carry a random tag too, so two runs side by side do not collide.
"""

import contextlib
import ipaddress
import json
import random
import shutil
import subprocess
import sys
import uuid

IP = shutil.which('ip') or '/usr/sbin/ip'
TEST_RANGE = ipaddress.ip_network('198.18.0.0/15')

# Exits 0 when a TCP connection to argv[1]:argv[2] opens.
_PROBE = ('import socket, sys\n'
          'socket.create_connection((sys.argv[1], int(sys.argv[2])),'
          ' timeout=3).close()\n')


class NotPermitted(Exception):
    """This process may not create a network namespace."""


class Namespace:
    """``name`` with ``address``, its veth peer in this namespace
    ``controller_address``; ``tag`` is the random part of the names."""

    def __init__(self):
        self.tag = uuid.uuid4().hex[:8]
        self.name = 'nt-%s' % self.tag
        # Interface names have 15 characters at most.
        self.outer_link = 'nt%so' % self.tag
        self.inner_link = 'nt%si' % self.tag
        subnet = _free_subnet()
        self.prefixlen = subnet.prefixlen
        self.controller_address, self.address = (
            str(host) for host in subnet.hosts())

    def add(self):
        proc = subprocess.run((IP, 'netns', 'add', self.name),
                              capture_output=True, text=True, timeout=30)
        error = proc.stderr.strip()
        if proc.returncode and ('not permitted' in error.lower() or
                                'permission denied' in error.lower()):
            raise NotPermitted(error)
        if proc.returncode:
            raise RuntimeError('ip netns add %s: %s' % (self.name, error))

    def wire(self):
        """The veth pair, its addresses, and both links and ``lo`` up."""
        _ip('link', 'add', self.outer_link, 'type', 'veth', 'peer', 'name',
            self.inner_link, 'netns', self.name)
        _ip('addr', 'add', '%s/%d' % (self.controller_address, self.prefixlen),
            'dev', self.outer_link)
        _ip('link', 'set', self.outer_link, 'up')
        inside = ('-n', self.name)
        _ip(*inside, 'addr', 'add', '%s/%d' % (self.address, self.prefixlen),
            'dev', self.inner_link)
        _ip(*inside, 'link', 'set', self.inner_link, 'up')
        _ip(*inside, 'link', 'set', 'lo', 'up')

    def delete(self):
        """Remove the pair and the namespace, whichever of them exists.

        The namespace itself lives on, unnamed, as long as a process
        runs in it: stop those first.
        """
        for argv in (('link', 'del', self.outer_link),
                     ('netns', 'del', self.name)):
            subprocess.run((IP,) + argv, capture_output=True, timeout=30)

    def command(self, *argv):
        """``argv`` as a command run inside the namespace."""
        return [IP, 'netns', 'exec', self.name, *argv]

    def python(self, code, *args):
        """This interpreter running ``code`` inside the namespace."""
        return subprocess.run(self.command(sys.executable, '-c', code, *args),
                              capture_output=True, text=True, timeout=30)

    def reachable(self, host, port):
        """Whether a TCP connection to host:port opens from inside."""
        return self.python(_PROBE, host, str(port)).returncode == 0


@contextlib.contextmanager
def namespace():
    """A wired Namespace, deleted when the block ends; NotPermitted
    (nothing made) when this process may not create one."""
    ns = Namespace()
    ns.add()
    try:
        ns.wire()
        yield ns
    finally:
        ns.delete()


def _ip(*argv):
    subprocess.run((IP,) + argv, check=True, capture_output=True, timeout=30)


def _free_subnet():
    """A random /30 of TEST_RANGE that no address or route here touches."""
    taken = _networks_in_use()
    while True:
        first = random.randrange(0, TEST_RANGE.num_addresses, 4)
        subnet = ipaddress.ip_network(
            (TEST_RANGE.network_address + first, 30))
        if not any(subnet.overlaps(network) for network in taken):
            return subnet


def _networks_in_use():
    """The networks of this host's IPv4 addresses and routes (but the
    default route, which covers everything)."""
    addresses = json.loads(_ip_json('-4', 'addr', 'show'))
    routes = json.loads(_ip_json('-4', 'route', 'show', 'table', 'all'))
    networks = [
        ipaddress.ip_interface('%s/%s' % (info['local'], info['prefixlen']))
        .network for link in addresses for info in link['addr_info']]
    networks += [ipaddress.ip_network(route['dst'], strict=False)
                 for route in routes if route['dst'] != 'default']
    return networks


def _ip_json(*argv):
    return subprocess.run((IP, '-j') + argv, check=True, capture_output=True,
                          text=True, timeout=30).stdout
