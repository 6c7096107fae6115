"""The request context: who asked, and which request this work is for.

Every RPC call carries one (see common.rpc's serializer), so the request
id the API handed out appears on every log line of every daemon that
works on that request.
"""

from oslo_context import context as oslo_context
from oslo_utils import uuidutils


class RequestContext(oslo_context.RequestContext):
    """oslo.context's context; ``read_deleted`` says how to treat rows.

    'no' hides soft-deleted rows, 'yes' shows them too, 'only' shows
    only them, as in Nova.
    """

    def __init__(self, read_deleted='no', **kwargs):
        kwargs.setdefault('request_id', 'req-' + uuidutils.generate_uuid())
        super().__init__(**kwargs)
        self.read_deleted = read_deleted

    def to_dict(self):
        values = super().to_dict()
        values['read_deleted'] = self.read_deleted
        return values

    @classmethod
    def from_dict(cls, values):
        return super().from_dict(values,
                                 read_deleted=values.get('read_deleted',
                                                         'no'))

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
