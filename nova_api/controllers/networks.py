"""os-networks (2.1 to 2.35): the networks a project may boot on.

Nova answers from Neutron; this cloud has no network service, so there
is no network to list and none to show.  Clients still call it: the
openstack CLI looks a ``--network`` up here when the catalog has no
network endpoint, and a clear 404 naming the network is what it then
reports.  2.36 removed these proxies, as the router answers for any
later version.
"""

from common import exception
from nova_api import api_version
from nova_api import policy

POLICY = 'os_compute_api:os-networks:%s'
LAST_PROXY_VERSION = '2.35'


class NetworksController:

    @api_version.versioned('2.1', LAST_PROXY_VERSION)
    def index(self, req):
        policy.authorize(req.nova_context, POLICY % 'list')
        return {'networks': []}

    @api_version.versioned('2.1', LAST_PROXY_VERSION)
    def show(self, req, id):
        policy.authorize(req.nova_context, POLICY % 'view')
        raise exception.NetworkNotFound(network_id=id)
