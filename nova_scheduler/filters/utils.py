"""What several filters and weighers read from a host's aggregates."""

import collections


def aggregate_metadata_get_by_host(host_state, key=None):
    """{metadata key: set of values} over the host's aggregates.

    A value holding commas counts as several values.  With ``key``,
    only aggregates that have that key contribute (all their keys).
    """
    metadata = collections.defaultdict(set)
    for aggregate in host_state.aggregates:
        if key is not None and key not in aggregate['metadata']:
            continue
        for name, value in aggregate['metadata'].items():
            metadata[name].update(item.strip() for item in value.split(','))
    return metadata


def aggregate_values_from_key(host_state, key):
    """The values of ``key`` in the host's aggregates, uncut."""
    return {aggregate['metadata'][key] for aggregate in host_state.aggregates
            if key in aggregate['metadata']}


def instance_uuids_overlap(host_state, uuids):
    """Whether any of ``uuids`` (a set) runs on the host."""
    return not uuids.isdisjoint(host_state.instances)
