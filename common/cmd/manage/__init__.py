"""nova-manage: the operator's CLI for databases and Cells v2 mappings.

The one program besides nova-conductor allowed to write the databases:
it creates the schemas and the mappings before any daemon runs.

Exit codes are Nova's: each action documents its own; any unexpected
failure prints one line on stderr and exits 255 (with --debug, the
traceback goes to the log too).
"""

import sys

from oslo_config import cfg
from oslo_log import log as logging

from common import cmd
from common import conf
from common import config
from common.cmd.manage import base
from common.cmd.manage.cell_v2 import CellV2Commands
from common.cmd.manage.db import ApiDbCommands
from common.cmd.manage.db import DbCommands
from common.db import engines

CONF = conf.CONF
LOG = logging.getLogger(__name__)

CATEGORIES = {
    'api_db': ApiDbCommands,
    'cell_v2': CellV2Commands,
    'db': DbCommands,
}

category_opt = cfg.SubCommandOpt(
    'category', title='Command categories', help='Available categories',
    handler=lambda subparsers: base.add_parsers(subparsers, CATEGORIES))


def main(argv=None):
    argv = sys.argv if argv is None else argv
    engines.allow_writes()
    CONF.register_cli_opt(category_opt)
    try:
        config.parse_args(argv)
    except cfg.ConfigFilesNotFoundError as e:
        base.error('ERROR: %s' % e)
        return 255
    try:
        return base.call_action(CONF.category)
    except Exception as e:
        LOG.debug('nova-manage failed', exc_info=True)
        base.error('ERROR: %s' % cmd.describe(e))
        return 255
