"""A small deployment for tests: nova.conf plus its databases.

Tests of nova-manage and nova-status need what an operator has: a
nova.conf pointing at an API database and a cell database, and rows that
compute services would have written.  The rows are seeded directly here
(the daemons that normally write them are not under test).
"""

import collections
import os
import subprocess
import sys
import textwrap
import uuid

from alembic import autogenerate
from alembic.runtime import migration as alembic_migration
from oslo_utils import timeutils

from common import conf
from common.cmd import manage
from common.db import api_models
from common.db import engines
from common.db import main_models as main
from common.db import migration

TRANSPORT_URL = 'rabbit://guest:guest@127.0.0.1:5672/'
Result = collections.namedtuple('Result', 'rc out err')
METADATA = {migration.API: api_models.ApiBase.metadata,
            migration.MAIN: main.MainBase.metadata}


def schema_diff(url, database):
    """What alembic autogenerate would change to reach the models."""
    with engines.get_engine(url).connect() as conn:
        context = alembic_migration.MigrationContext.configure(
            conn, opts={'compare_type': True})
        return autogenerate.compare_metadata(context, METADATA[database])


class Deployment:
    """nova.conf in ``directory`` naming ``api_url`` and ``cell_url``."""

    def __init__(self, directory, api_url, cell_url,
                 transport_url=TRANSPORT_URL):
        self.api_url = api_url
        self.cell_url = cell_url
        self.conf_file = os.path.join(str(directory), 'nova.conf')
        self.write_conf(transport_url)

    def write_conf(self, transport_url=TRANSPORT_URL, extra=''):
        default = 'transport_url = %s\n' % transport_url if transport_url \
            else ''
        with open(self.conf_file, 'w') as f:
            f.write(textwrap.dedent("""\
                [DEFAULT]
                %s
                [api_database]
                connection = %s

                [database]
                connection = %s
                """) % (default, self.api_url, self.cell_url) + extra)

    def run(self, program, *args):
        """Run a console script of this project as a separate process."""
        binary = os.path.join(os.path.dirname(sys.executable), program)
        proc = subprocess.run(
            [binary, '--config-file', self.conf_file] + list(args),
            capture_output=True, text=True, timeout=120)
        return Result(proc.returncode, proc.stdout, proc.stderr)


def manage_in_process(conf_file, *argv):
    """nova-manage's main() in this process, leaving the global CONF clean.

    Much faster than a subprocess; the functional tests run the binary.
    """
    try:
        return manage.main(['nova-manage', '--config-file', conf_file] +
                           list(argv))
    finally:
        conf.CONF.reset()
        conf.CONF.unregister_opt(manage.category_opt)


def add_compute(cell_url, host, nodes=1):
    """Rows a nova-compute on ``host`` writes: its service and nodes."""
    now = timeutils.utcnow()
    with engines.writer(cell_url) as session:
        service = main.Service(
            uuid=str(uuid.uuid4()), host=host, binary='nova-compute',
            topic='compute', report_count=1, disabled=False,
            forced_down=False, last_seen_up=now, version=1)
        session.add(service)
        session.flush()
        for i in range(nodes):
            session.add(main.ComputeNode(
                uuid=str(uuid.uuid4()), service_id=service.id, host=host,
                hypervisor_hostname='%s-node%d' % (host, i), vcpus=8,
                memory_mb=16384, local_gb=100, vcpus_used=0,
                memory_mb_used=512, local_gb_used=0, hypervisor_type='fake',
                hypervisor_version=1000, cpu_info='{}', mapped=0))


def add_instance(cell_url, host, deleted=False, project_id='p1'):
    """An instance row on ``host``; soft-deleted when ``deleted``."""
    instance_uuid = str(uuid.uuid4())
    with engines.writer(cell_url) as session:
        instance = main.Instance(
            uuid=instance_uuid, host=host, node=host, project_id=project_id,
            user_id='u1', vm_state='active', power_state=1, memory_mb=512,
            vcpus=1, root_gb=1, ephemeral_gb=0, display_name='vm')
        session.add(instance)
        session.flush()
        if deleted:
            instance.deleted = instance.id
            instance.deleted_at = timeutils.utcnow()
            instance.vm_state = 'deleted'
    return instance_uuid


def soft_delete_instance(cell_url, instance_uuid):
    with engines.writer(cell_url) as session:
        instance = session.query(main.Instance).filter_by(
            uuid=instance_uuid).one()
        instance.deleted = instance.id
        instance.deleted_at = timeutils.utcnow()


LOADED = """
import importlib, sys
importlib.import_module(sys.argv[1])
print(' '.join(sorted(set(sys.argv[2:]) & set(sys.modules))))
"""


def modules_loaded(module, names):
    """Which of ``names`` a fresh interpreter holds after importing
    ``module``: what a daemon pays for in memory."""
    proc = subprocess.run([sys.executable, '-c', LOADED, module, *names],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()
