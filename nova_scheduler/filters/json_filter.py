"""JsonFilter: hosts matching the ``query`` scheduler hint.

The query is JSON in prefix notation: ``["and", [">=", "$free_ram_mb",
1024], ["=", "$hypervisor_type", "QEMU"]]``.  ``$name`` reads a host
state attribute (``$stats.key`` walks into a dict).  Operators: ``=``,
``<``, ``>``, ``<=``, ``>=`` (the first argument against each other),
``in`` (the first among the others), ``not``, ``or``, ``and``.
"""

import operator

from oslo_log import log as logging
from oslo_serialization import jsonutils

from nova_scheduler import filters

LOG = logging.getLogger(__name__)


def _compare(op):
    def check(args):
        return len(args) >= 2 and all(op(args[0], arg) for arg in args[1:])
    return check


_COMMANDS = {
    '=': _compare(operator.eq),
    '<': _compare(operator.lt),
    '>': _compare(operator.gt),
    '<=': _compare(operator.le),
    '>=': _compare(operator.ge),
    'in': lambda args: len(args) >= 2 and args[0] in args[1:],
    'not': lambda args: [not arg for arg in args],
    'or': any,
    'and': all,
}


class _BadQuery(Exception):
    """The hint is not a query this filter understands."""


# What _query gives for a hint that is not JSON.
_UNREADABLE = object()


def _lookup(text, host_state):
    """A '$attribute.key' reference's value; other strings as given."""
    if not text.startswith('$'):
        return text
    name, *keys = text[1:].split('.')
    value = getattr(host_state, name, None)
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _evaluate(query, host_state):
    if not query:
        return True
    command = _COMMANDS.get(query[0])
    if command is None:
        raise _BadQuery('unknown operator %r' % (query[0],))
    args = []
    for arg in query[1:]:
        if isinstance(arg, list):
            arg = _evaluate(arg, host_state)
        elif isinstance(arg, str):
            arg = _lookup(arg, host_state) if arg else None
        if arg is not None:
            args.append(arg)
    return command(args)


def _query(spec):
    """The decoded ``query`` hint, or None; an unreadable one is
    reported once and makes every host fail."""
    query = spec.get_scheduler_hint('query')
    if not query or not isinstance(query, str):
        return query or None
    try:
        return jsonutils.loads(query)
    except ValueError:
        LOG.warning('JsonFilter: the query hint is not JSON: %s', query)
        return _UNREADABLE


class JsonFilter(filters.BaseHostFilter):

    def applies_to(self, spec):
        return spec.memo('json_query', _query) is not None

    def host_passes(self, host_state, spec):
        query = spec.memo('json_query', _query)
        if query is _UNREADABLE:
            return False
        try:
            result = _evaluate(query, host_state)
        except (_BadQuery, TypeError):
            return False
        return any(result) if isinstance(result, list) else bool(result)
