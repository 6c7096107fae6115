"""Small pieces nova-compute's manager and its power-state sync share."""

import traceback
import types

from oslo_concurrency import lockutils

from common import exception


def locked(instance_uuid):
    """Operations on one server run one at a time on its host, as
    Nova's per-instance lock makes them."""
    return lockutils.lock('instance-%s' % instance_uuid)


def guest(record):
    """The record with attribute access, as the drivers take an
    instance; its own copy of the system metadata, which a driver may
    add to."""
    return types.SimpleNamespace(**dict(
        record, system_metadata=dict(record.get('system_metadata') or {})))


def error_message(error):
    if isinstance(error, exception.NovaException):
        return error.format_message()
    return str(error) or type(error).__name__


def traceback_text(error):
    """The traceback Nova shows admins in a fault's details and in an
    instance action event's exc_tb."""
    return ''.join(traceback.format_exception(error))
