"""AvailabilityZoneFilter: only hosts of the requested zone.

A host's zone is the ``availability_zone`` metadata of its aggregates,
or ``[DEFAULT] default_availability_zone`` when none has one.  Nova
leaves this to a Placement prefilter by default; without Placement the
filter is enabled by default here.
"""

from common import conf
from nova_scheduler import filters
from nova_scheduler.filters import utils

CONF = conf.CONF
_KEY = 'availability_zone'


class AvailabilityZoneFilter(filters.BaseHostFilter):

    def __init__(self):
        self.default_zone = CONF.default_availability_zone

    def applies_to(self, spec):
        return bool(spec.availability_zone)

    def host_passes(self, host_state, spec):
        zones = utils.aggregate_metadata_get_by_host(
            host_state, key=_KEY).get(_KEY)
        if zones is None:
            return spec.availability_zone == self.default_zone
        return spec.availability_zone in zones
