"""Command-line and configuration file parsing shared by every daemon.

Each ``main()`` calls ``parse_args(sys.argv)`` first: it reads
/etc/nova/nova.conf (oslo.config's default search for project 'nova')
plus any ``--config-file``/``--config-dir`` given, then sets up logging
so every later message follows the operator's [DEFAULT] log options.
"""

from importlib import metadata
import os

from oslo_log import log as logging

from common import conf as nova_conf

PROJECT = 'nova'


def _version():
    try:
        return metadata.version('novaclone')
    except metadata.PackageNotFoundError:
        return 'unknown'


def _register_log_opts(conf):
    # oslo.log registers CLI options, which oslo.config refuses once the
    # command line was parsed; 'debug' tells whether it was done.
    if 'debug' not in conf:
        logging.register_options(conf)
        # alembic narrates every schema step at INFO; keep the output of
        # `nova-manage db sync` quiet unless the operator asks (--debug).
        logging.set_defaults(default_log_levels=(
            logging.get_default_log_levels() + ['alembic=WARN']))


def parse_args(argv, default_config_files=None, configure_logging=True,
               conf=None):
    """Parse ``argv`` (program name first) into ``conf``.

    ``conf`` defaults to the global CONF; tests pass their own
    ``cfg.ConfigOpts`` prepared with ``common.conf.register_all``.
    Returns the parsed ConfigOpts.
    """
    conf = nova_conf.CONF if conf is None else conf
    _register_log_opts(conf)
    prog = os.path.basename(argv[0]) if argv else None
    conf(argv[1:], project=PROJECT, prog=prog, version=_version(),
         default_config_files=default_config_files)
    if configure_logging:
        logging.setup(conf, PROJECT)
    return conf
