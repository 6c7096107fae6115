"""keystoneauth1 options for the groups that describe another service.

Nova configures each service it calls ([glance], [placement],
[keystone]...) with the same three keystoneauth1 option sets: session
(TLS, timeouts), auth plugin (credentials) and adapter (which endpoint
of the catalog). Doing it in one place keeps the groups alike.

Unlike the rest of nova.conf, these sets are registered at run time by
the client that calls the service (common/glance.py for [glance]), not
by ``common.conf``: keystoneauth1 brings requests and urllib3 (~7 MiB),
which the conductor, the scheduler and the console proxy never use.
The sample lists them all (``list_opts``), and oslo.config reads a
group's options from the parsed files whenever they are registered.
"""

from oslo_config import cfg


def _loading():
    """keystoneauth1.loading, imported when options are asked for."""
    from keystoneauth1 import loading  # noqa: PLC0415 - see above
    return loading


def adapter_opts(service_type):
    """Adapter options whose ``service_type`` defaults to ours.

    Internal endpoints are preferred over public ones, as in Nova: the
    control plane normally talks over the management network.
    """
    opts = _loading().get_adapter_conf_options(include_deprecated=False)
    cfg.set_defaults(opts, service_type=service_type,
                     valid_interfaces=['internal', 'public'])
    return opts


def register_ksa_opts(conf, group, service_type):
    """Register session, auth and adapter options in ``group``.

    Only the auth plugin's common options (``auth_type``,
    ``auth_section``) are registered here; keystoneauth1 registers the
    chosen plugin's own options when the plugin is loaded.
    """
    name = getattr(group, 'name', group)
    ks_loading = _loading()
    ks_loading.register_session_conf_options(conf, name)
    ks_loading.register_auth_conf_options(conf, name)
    conf.register_opts(adapter_opts(service_type), group=name)


def ksa_list_opts(service_type):
    """What the sample shows for such a group: the password plugin's
    options stand for whatever plugin an operator picks."""
    ks_loading = _loading()
    return (ks_loading.get_session_conf_options()
            + ks_loading.get_auth_common_conf_options()
            + ks_loading.get_auth_plugin_conf_options('password')
            + adapter_opts(service_type))
