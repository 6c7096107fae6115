"""The admin commands (nova-manage, nova-status) and what they share."""

from oslo_config import cfg
from sqlalchemy import exc as sa_exc

from common import exception


def describe(exc):
    """One line an operator can act on, in place of a traceback."""
    if isinstance(exc, exception.NovaException):
        return exc.format_message()
    if isinstance(exc, sa_exc.DBAPIError) and exc.orig is not None:
        return 'Database error: %s' % str(exc.orig).strip()
    return '%s: %s' % (type(exc).__name__, str(exc).splitlines()[0])


def option_is_set(conf, name, group=None):
    """Whether nova.conf or the command line set the option.

    oslo.messaging gives ``transport_url`` a default of ``rabbit://``;
    a cell must not be created on that guess.
    """
    location = conf.get_location(name, group)
    return location is not None and \
        location.location != cfg.Locations.opt_default
