"""Which availability zone a compute host is in.

A zone is not stored anywhere: it is the ``availability_zone`` metadata
of the aggregates a host is in; a host in no zoned aggregate is in
``[DEFAULT] default_availability_zone``.  The API shows zones with it,
and the conductor stamps a newly placed server with its host's zone.
"""

import collections

import sqlalchemy as sa

from common import conf
from common.db import api_models as api
from common.db import engines

CONF = conf.CONF


def host_zones(api_url, hosts):
    """{host: set of zone names} of the hosts in a zoned aggregate."""
    query = (sa.select(api.AggregateHost.host, api.AggregateMetadata.value)
             .join(api.AggregateMetadata,
                   api.AggregateMetadata.aggregate_id ==
                   api.AggregateHost.aggregate_id)
             .where(api.AggregateMetadata.key == 'availability_zone',
                    api.AggregateHost.host.in_(hosts)))
    zones = collections.defaultdict(set)
    with engines.reader(api_url) as session:
        for host, zone in session.execute(query):
            zones[host].add(zone)
    return zones


def host_zone(api_url, host):
    """The zone name of one compute host (several joined by commas)."""
    zones = host_zones(api_url, [host]).get(host, ())
    return ','.join(sorted(zones)) or CONF.default_availability_zone


def all_zones(api_url):
    """Every zone name: those of zoned aggregates and the default one."""
    with engines.reader(api_url) as session:
        zones = set(session.scalars(
            sa.select(api.AggregateMetadata.value).where(
                api.AggregateMetadata.key == 'availability_zone')))
    return zones | {CONF.default_availability_zone}
