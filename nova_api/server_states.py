"""The 409 a server action gets when the server's state forbids it, in
Nova's words (its ``raise_http_conflict_for_instance_invalid_state``).
"""

import webob.exc


def invalid_state(action, server_id, attr, state):
    """The conflict of ``action`` with the server's ``attr`` (vm_state,
    task_state, launched_at) being ``state``; a state of None (nothing
    to name, e.g. never launched) gets Nova's general wording."""
    if state is not None:
        message = ("Cannot '%s' instance %s while it is in %s %s"
                   % (action, server_id, attr, state))
    else:
        message = ("Instance %s is in an invalid state for '%s'"
                   % (server_id, action))
    return webob.exc.HTTPConflict(explanation=message)


def require_vm_state(record, allowed, action, server_id):
    """409 unless the server rests in one of the ``allowed`` vm_states."""
    if record['vm_state'] not in allowed:
        raise invalid_state(action, server_id, 'vm_state',
                            record['vm_state'])
