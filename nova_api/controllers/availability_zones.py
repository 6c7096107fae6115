"""os-availability-zone: the zones users can boot into and, for admins,
the hosts and services in each."""

from common import conf
from common import service as nova_service
from nova_api import availability_zones
from nova_api import host_api
from nova_api import policy
from nova_api.controllers import services as services_controller

CONF = conf.CONF
POLICY = 'os_compute_api:os-availability-zone:%s'


def _zone(name, available, hosts=None):
    return {'zoneName': name, 'zoneState': {'available': available},
            'hosts': hosts}


def _hosts(services, zone):
    """``{host: {binary: {available, active, updated_at}}}`` of the
    enabled services in ``zone``; API services report no state and are
    left out, as in os-services."""
    hosts = {}
    for service in services:
        if (service['disabled'] or service['availability_zone'] != zone or
                service['binary'] in services_controller.API_BINARIES):
            continue
        hosts.setdefault(service['host'], {})[service['binary']] = {
            'available': nova_service.is_up(service),
            'active': True,
            'updated_at': service['updated_at'],
        }
    return hosts


class AvailabilityZoneController:

    def __init__(self):
        self.host_api = host_api.HostAPI()

    def _services(self):
        return [service for _cell, service in self.host_api.service_get_all()]

    def index(self, req):
        """Zone names and whether each is available; the internal zone
        of the control services is nothing to boot into and is hidden."""
        policy.authorize(req.nova_context, POLICY % 'list', {})
        available, not_available = availability_zones.get_availability_zones(
            self._services())
        internal = CONF.internal_service_availability_zone
        return {'availabilityZoneInfo': [
            _zone(name, state)
            for names, state in ((available, True), (not_available, False))
            for name in names if name != internal]}

    def detail(self, req):
        """Every zone, the internal one too, with the enabled services of
        each host of the available ones."""
        policy.authorize(req.nova_context, POLICY % 'detail', {})
        services = self._services()
        available, not_available = availability_zones.get_availability_zones(
            services)
        return {'availabilityZoneInfo': [
            _zone(name, True, _hosts(services, name)) for name in available
        ] + [_zone(name, False) for name in not_available]}
