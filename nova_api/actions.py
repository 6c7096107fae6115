"""``POST .../action``: one URL, the action named by the body's key.

``{"addTenantAccess": {...}}`` asks for the ``addTenantAccess`` action;
the body must hold exactly one key, as Nova's ``action_peek`` insists.
"""

from oslo_serialization import jsonutils
import webob
import webob.exc


def handler(actions, body):
    """The handler in ``actions`` (name -> callable) the body names."""
    if not isinstance(body, dict) or len(body) != 1:
        raise webob.exc.HTTPBadRequest(explanation='Malformed request body')
    name = next(iter(body))
    if name not in actions:
        raise webob.exc.HTTPBadRequest(
            explanation='There is no such action: %s' % name)
    return actions[name]


def ok(body):
    """A 200 answer with a JSON body, for the actions that return
    something (the others of ``/action`` answer 202, empty)."""
    response = webob.Response(status=200, content_type='application/json',
                              charset=None)
    response.body = jsonutils.dump_as_bytes(body)
    return response
