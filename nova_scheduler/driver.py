"""The scheduling loop the filter and chance schedulers share.

For each instance of a request: filter the candidate hosts, rank those
left, take the first and consume the instance's resources from it, so
the next instance sees the host fuller (and the server group's hosts
with it).  Each instance then gets its host plus up to ``[scheduler]
max_attempts - 1`` alternates from the same cell, taken from the last
ranking, for nova-conductor to try should the claim or the build fail.
"""

import threading

from oslo_log import log as logging

from common import conf
from common import exception
from nova_scheduler import filters
from nova_scheduler import spec as request_spec
from nova_scheduler.filters import resources

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# NoValidHost ends up as an instance fault, whose message column holds
# 255 characters; the exception's text is its msg_fmt plus the reason.
_MESSAGE_LIMIT = 255
_NO_HOSTS = 'There are not enough hosts available.'


class Scheduler:
    """Subclasses choose the filters (``filter_classes``) and how the
    hosts that pass are ordered (``ranker``)."""

    # Filters run after the resource checks.
    filter_classes = ()

    def __init__(self, host_manager):
        self.host_manager = host_manager
        # One request at a time: each consumes from the shared host
        # states what the next one must see.
        self._lock = threading.Lock()

    def host_filters(self, forced):
        """Filter instances for one request; ``forced`` when the admin
        forced hosts or nodes, which skips all but the resource checks
        (they stand in for Placement, which Nova asks even then)."""
        checks = resources.resource_checks()
        if forced:
            return checks
        return checks + [cls() for cls in self.filter_classes]

    def ranker(self):
        """``rank(hosts, spec, chosen)``, for one request: the hosts in
        order of preference, the one to take first."""
        raise NotImplementedError()

    def select_destinations(self, ctxt, spec, instance_uuids,
                            return_alternates=True):
        """One list per instance: its Selection dict, then alternates."""
        spec = request_spec.RequestSpec(spec, instance_uuids)
        with self._lock:
            host_states = self.host_manager.get_host_states()
            chosen, ranked = self._choose(ctxt, spec, host_states)
        alternates = (CONF.scheduler.max_attempts - 1 if return_alternates
                      else 0)
        taken = {id(host) for host in chosen}
        return [[selection(host)] + [
            selection(alt) for alt in _alternates(host, ranked, taken,
                                                  alternates)]
            for host in chosen]

    def _choose(self, ctxt, spec, host_states):
        """(the host of each instance, the last ranking)."""
        candidates, steps, forced = preselect(host_states, spec)
        host_filters = self.host_filters(forced)
        rank = self.ranker()
        uuids = spec.instance_uuids or (
            [spec.instance_uuid] + [None] * (spec.num_instances - 1))
        chosen = []
        ranked = []
        for index, uuid in enumerate(uuids):
            spec.instance_uuid = uuid
            passed, filter_steps = filters.run_filters(host_filters,
                                                       candidates, spec)
            ranked = rank(passed, spec, chosen) if passed else []
            if not ranked:
                # Nothing will be claimed: what the request consumed
                # must not weigh on the next ones.
                self.host_manager.abandon(chosen)
                _no_valid_host(ctxt, spec, index, len(host_states),
                               steps + filter_steps)
            self.host_manager.consume(ranked[0], spec)
            spec.record_placement(ranked[0].host)
            chosen.append(ranked[0])
        return chosen, ranked


def selection(host_state):
    """What nova-conductor needs to claim and build on a host."""
    return {'service_host': host_state.host,
            'nodename': host_state.nodename,
            'compute_node_uuid': host_state.uuid,
            'cell_uuid': host_state.cell_uuid,
            'limits': dict(host_state.limits)}


def _alternates(host, ranked, taken, count):
    """Up to ``count`` hosts of ``host``'s cell that no instance of the
    request took, in ranking order."""
    found = []
    for other in ranked:
        if len(found) >= count:
            break
        if other.cell_uuid == host.cell_uuid and id(other) not in taken:
            found.append(other)
    return found


def preselect(host_states, spec):
    """(candidates, steps, forced): the hosts the request may use at
    all, as Nova narrows them before any filter.

    ``requested_destination`` keeps its host (and node); ``ignore_hosts``
    (tried already) go; ``force_hosts``/``force_nodes`` keep only those,
    and then the filters are skipped unless the hint ``_nova_check_type``
    asks for them.  Host names compare case-insensitively, as in Nova.
    """
    steps = []
    hosts = host_states
    destination = spec.requested_destination or {}
    if destination.get('host') or destination.get('node'):
        hosts = _narrow(steps, 'requested_destination', hosts,
                        lambda h: _is_destination(h, destination))
    if spec.ignore_hosts:
        ignored = {name.lower() for name in spec.ignore_hosts}
        hosts = _narrow(steps, 'ignore_hosts', hosts,
                        lambda h: h.host.lower() not in ignored)
    if spec.force_hosts:
        forced_hosts = {name.lower() for name in spec.force_hosts}
        hosts = _narrow(steps, 'force_hosts', hosts,
                        lambda h: h.host.lower() in forced_hosts)
    if spec.force_nodes:
        forced_nodes = set(spec.force_nodes)
        hosts = _narrow(steps, 'force_nodes', hosts,
                        lambda h: h.nodename in forced_nodes)
    forced = bool(spec.force_hosts or spec.force_nodes) and not \
        spec.scheduler_hints.get('_nova_check_type')
    return hosts, steps, forced


def _is_destination(host_state, destination):
    return ((not destination.get('host') or
             host_state.host == destination['host']) and
            (not destination.get('node') or
             host_state.nodename == destination['node']))


def _narrow(steps, name, hosts, keep):
    kept = [host for host in hosts if keep(host)]
    steps.append((name, len(hosts), len(kept)))
    return kept


def _no_valid_host(ctxt, spec, index, total, steps):
    LOG.info('Filtering removed all hosts for the request with instance '
             'ID %(uuid)s (%(index)d of %(count)d). Filter results: '
             '%(steps)s', {
                 'uuid': spec.instance_uuid, 'index': index + 1,
                 'count': spec.num_instances,
                 'steps': ', '.join('%s: (start: %d, end: %d)' % step
                                    for step in steps)},
             context=ctxt)
    raise exception.NoValidHost(reason=explanation(
        total, steps, index, spec.num_instances))


def explanation(total, steps, index=0, count=1):
    """Why no host is left: the hosts known, then each step that
    removed hosts, with how many it got and left.

    e.g. 'There are not enough hosts available. 10 hosts: ComputeFilter
    10->8, MEMORY_MB 8->0'.  Steps removing nothing are left out, and
    the earliest ones too when the whole message would not fit in 255
    characters.
    """
    head = '%s %d %s' % (_NO_HOSTS, total, 'host' if total == 1 else
                         'hosts')
    tail = ' (instance %d of %d)' % (index + 1, count) if count > 1 else ''
    removed = ['%s %d->%d' % step for step in steps if step[1] != step[2]]
    room = (_MESSAGE_LIMIT - len(exception.NoValidHost.msg_fmt % {
        'reason': ''}) - len(head) - len(': ') - len(tail))
    shown = ', '.join(removed)
    while len(shown) > room:
        removed.pop(0)
        shown = '..., ' + ', '.join(removed)
    if not removed:
        return head + '.' + tail
    return '%s: %s%s' % (head, shown, tail)
