"""Availability zones as the API shows them.

A zone is not stored anywhere: it is the ``availability_zone`` metadata
of the aggregates a compute host is in (``HostAPI.set_availability_zones``
gives each service its zone; a host in no zoned aggregate is in
``[DEFAULT] default_availability_zone``, other services are in
``internal_service_availability_zone``).  A zone is available while at
least one of its services is enabled, up or not, as in Nova.
"""


def get_availability_zones(services):
    """``(available, not_available)``: sorted zone names of enabled
    services, and those of disabled services that no enabled one has.
    """
    available = {s['availability_zone'] for s in services
                 if not s['disabled']}
    not_available = {s['availability_zone'] for s in services
                     if s['disabled']} - available
    return sorted(available), sorted(not_available)
