"""The request context: who asked, and which request this work is for.

Every RPC call carries one (see common.rpc's serializer), so the request
id the API handed out appears on every log line of every daemon that
works on that request.
"""

from oslo_context import context as oslo_context
from oslo_utils import uuidutils

# The services of the caller's catalog that Nova's daemons call with
# the caller's token; the rest would only make every RPC message larger.
CATALOG_SERVICE_TYPES = ('image', 'block-storage', 'volumev3', 'network',
                         'key-manager', 'placement')


class RequestContext(oslo_context.RequestContext):
    """oslo.context's context; ``read_deleted`` says how to treat rows.

    'no' hides soft-deleted rows, 'yes' shows them too, 'only' shows
    only them, as in Nova.  ``service_catalog`` is the caller's catalog
    (as keystonemiddleware passes it on), where nova-api and
    nova-compute find Glance when ``[glance] api_servers`` is unset.
    """

    def __init__(self, read_deleted='no', service_catalog=None, **kwargs):
        kwargs.setdefault('request_id', 'req-' + uuidutils.generate_uuid())
        super().__init__(**kwargs)
        self.read_deleted = read_deleted
        self.service_catalog = [
            service for service in service_catalog or ()
            if service.get('type') in CATALOG_SERVICE_TYPES]

    def to_dict(self):
        values = super().to_dict()
        values['read_deleted'] = self.read_deleted
        values['service_catalog'] = self.service_catalog
        return values

    @classmethod
    def from_dict(cls, values):
        return super().from_dict(
            values, read_deleted=values.get('read_deleted', 'no'),
            service_catalog=values.get('service_catalog'))

    def elevated(self):
        """A copy with admin rights, for internal work on a user's behalf."""
        ctxt = self.from_dict(self.to_dict())
        ctxt.is_admin = True
        if 'admin' not in ctxt.roles:
            ctxt.roles = list(ctxt.roles) + ['admin']
        return ctxt


def get_admin_context(read_deleted='no'):
    """The context of a daemon's own work (heartbeats, periodic tasks)."""
    return RequestContext(is_admin=True, read_deleted=read_deleted,
                          overwrite=False)
