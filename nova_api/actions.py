"""``POST .../action``: one URL, the action named by the body's key.

``{"addTenantAccess": {...}}`` asks for the ``addTenantAccess`` action;
the body must hold exactly one key, as Nova's ``action_peek`` insists.
"""

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
