"""Who may call what: oslo.policy, with Nova's rules as defaults in code.

The rules live in ``nova_api.policies``; ``[oslo_policy] policy_file``
(``policy.yaml``, looked up beside nova.conf) only overrides some of
them.  Controllers call ``authorize(context, 'os_compute_api:...')``;
a refusal is Nova's 403, "Policy doesn't allow %(action)s to be
performed."

Nova's secure defaults are on: ``enforce_new_defaults`` (no fallback to
the pre-2023 ``admin_or_owner`` rules) and scope enforcement (the API's
rules accept project-scoped tokens only).  oslo.policy 6 dropped the
``enforce_scope`` option and always enforces scope; setting its default
is a no-op there and keeps older releases as strict.

One Enforcer serves the process; it re-reads policy.yaml when the file
changes, so an edited override applies without a restart.
"""

from oslo_log import log as logging
from oslo_policy import opts as policy_opts
from oslo_policy import policy as oslo_policy

from common import conf
from common import exception
from nova_api import policies

CONF = conf.CONF
LOG = logging.getLogger(__name__)

DEFAULT_POLICY_FILE = 'policy.yaml'

policy_opts.set_defaults(CONF, policy_file=DEFAULT_POLICY_FILE,
                         enforce_scope=True, enforce_new_defaults=True)

_ENFORCER = None


def _conf_parsed():
    """Whether nova.conf has been read: oslo.config only knows where to
    look for policy.yaml (beside the config files) once it has, and
    raises if asked before.  ``config_file`` exists from then on."""
    return 'config_file' in CONF


def init():
    """The process's Enforcer, created with every rule registered.

    Before the configuration is parsed (an API built in-process by a
    test) the defaults in code apply alone; the Enforcer is rebuilt
    once the configuration is there, or gone again.
    """
    global _ENFORCER
    use_conf = _conf_parsed()
    if _ENFORCER is not None and _ENFORCER.use_conf != use_conf:
        reset()
    if _ENFORCER is None:
        defaults = policies.list_rules()
        enforcer = oslo_policy.Enforcer(CONF, use_conf=use_conf)
        enforcer.register_defaults(defaults)
        if not use_conf:
            # Without the configuration the Enforcer loads nothing, not
            # even the registered defaults: hand them over directly.
            enforcer.set_rules({rule.name: rule.check for rule in defaults},
                               use_conf=False)
        _ENFORCER = enforcer
    return _ENFORCER


def reset():
    """Forget the Enforcer and the rules it loaded (tests, re-config)."""
    global _ENFORCER
    if _ENFORCER is not None:
        _ENFORCER.clear()
    _ENFORCER = None


def get_enforcer():
    """The ``oslo.policy.enforcer`` entry point for the oslopolicy-*
    tools (policy generator, checker, redundancy lister).

    Those tools run outside any nova daemon, so nova.conf has not been
    read: it is parsed here from its default locations, which is how
    ``[oslo_policy] policy_file`` and the overrides in it are found.
    """
    CONF([], project='nova')
    reset()
    return init()


def credentials(context):
    """What the check strings see of the caller.

    oslo.context's policy values, plus ``is_admin`` for the
    ``is_admin:True`` check (``admin_api``), which they leave out.
    """
    creds = dict(context.to_policy_values())
    creds['is_admin'] = context.is_admin
    return creds


def default_target(context):
    """The caller's own project and user: what a rule is checked
    against when the resource has no other owner to name."""
    return {'project_id': context.project_id, 'user_id': context.user_id}


def authorize(context, action, target=None):
    """Raise PolicyNotAuthorized (403) unless ``context`` may do
    ``action`` on ``target``; ``target`` defaults to the caller's
    project and user.

    An unregistered ``action`` raises oslo.policy's PolicyNotRegistered:
    a typo in a rule name is a bug, not a refusal.
    """
    if target is None:
        target = default_target(context)
    creds = credentials(context)
    # do_raise=False: a token of the wrong scope is refused like any
    # other, with Nova's message, rather than with InvalidScope.
    if not init().authorize(action, target, creds):
        LOG.debug('Policy check for %(action)s failed with credentials '
                  '%(creds)s', {'action': action, 'creds': creds})
        raise exception.PolicyNotAuthorized(action=action)
    return True


def allowed(context, action, target=None):
    """Whether ``context`` may do ``action``: for the rules that shape
    an answer (which fields, which filters) rather than refuse it."""
    try:
        return authorize(context, action, target)
    except exception.PolicyNotAuthorized:
        return False


def check_is_admin(context):
    """Whether ``context`` passes ``context_is_admin``: what Nova sets
    ``context.is_admin`` from, so redefining who is an administrator in
    policy.yaml changes it too."""
    creds = credentials(context)
    return bool(init().authorize('context_is_admin', creds, creds))
