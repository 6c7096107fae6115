"""Tables of a cell database (``nova``, ``nova_cell0``, ...).

A cell database holds the instances of that cell and everything hanging
off them, plus the services and compute nodes of its hosts.  Most rows
are soft-deleted: ``deleted`` is set to the row's ``id`` (0 while
alive) and ``deleted_at`` to the time, so a unique constraint that
includes ``deleted`` still lets a live row and any number of deleted
ones share the other columns.  ``nova-manage db archive_deleted_rows``
later moves those rows into ``shadow_<table>`` (``common.db.archive``).

Names follow Nova's cell schema.  The alembic tree in
``migrations/main`` is the only thing that creates these tables,
shadow tables included; a test checks it against this metadata.
"""

import sqlalchemy as sa
from sqlalchemy import orm

from common.db.api_models import NAMING_CONVENTION
from common.db.api_models import TABLE_KWARGS
from common.db.api_models import MediumText
from common.db.api_models import TimestampMixin
from common.db.api_models import utcnow

SHADOW_PREFIX = 'shadow_'


def IPAddress():
    """Room for the longest textual IPv6 address, as Nova keeps them."""
    return sa.String(39)


def _args(*items, **extra):
    return items + ({**TABLE_KWARGS, **extra},)


class SoftDeleteMixin:
    """``deleted`` is 0 while the row is alive and its id once deleted.

    The server default keeps rows inserted by plain SQL alive (and
    inside the unique constraints) rather than NULL.
    """

    deleted_at = sa.Column(sa.DateTime)
    deleted = sa.Column(sa.Integer, default=0, server_default=sa.text('0'))

    def soft_delete(self):
        """Mark the row deleted; the caller's session flushes it."""
        self.deleted = self.id
        self.deleted_at = utcnow()


class _Base(orm.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

    def to_dict(self):
        """The row's columns as a dict (for objects and API views)."""
        return {c.key: getattr(self, c.key)
                for c in sa.inspect(self).mapper.column_attrs}


class MainBase(_Base):
    """Declarative base of the cell databases."""

    __abstract__ = True


class SoftDeleteBase(TimestampMixin, SoftDeleteMixin, MainBase):
    """Most cell tables: timestamped and soft-deleted."""

    __abstract__ = True


# --- services and compute nodes ---------------------------------------------

class Service(SoftDeleteBase):
    """A nova-compute/-conductor/-scheduler process on a host."""

    __tablename__ = 'services'
    __table_args__ = _args(
        sa.UniqueConstraint('host', 'topic', 'deleted',
                            name='uniq_services0host0topic0deleted'),
        sa.UniqueConstraint('host', 'binary', 'deleted',
                            name='uniq_services0host0binary0deleted'),
        sa.Index('services_uuid_idx', 'uuid', unique=True),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=True)
    host = sa.Column(sa.String(255))
    binary = sa.Column(sa.String(255))
    topic = sa.Column(sa.String(255))
    report_count = sa.Column(sa.Integer, nullable=False, default=0)
    disabled = sa.Column(sa.Boolean, default=False)
    disabled_reason = sa.Column(sa.String(255))
    last_seen_up = sa.Column(sa.DateTime, nullable=True)
    forced_down = sa.Column(sa.Boolean, default=False)
    version = sa.Column(sa.Integer, default=0)


class ComputeNode(SoftDeleteBase):
    """A hypervisor's resources as its resource tracker last reported."""

    __tablename__ = 'compute_nodes'
    __table_args__ = _args(
        sa.Index('compute_nodes_uuid_idx', 'uuid', unique=True),
        sa.UniqueConstraint(
            'host', 'hypervisor_hostname', 'deleted',
            name='uniq_compute_nodes0host0hypervisor_hostname0deleted'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    service_id = sa.Column(sa.Integer, nullable=True)
    host = sa.Column(sa.String(255), nullable=True)
    uuid = sa.Column(sa.String(36), nullable=True)
    vcpus = sa.Column(sa.Integer, nullable=False)
    memory_mb = sa.Column(sa.Integer, nullable=False)
    local_gb = sa.Column(sa.Integer, nullable=False)
    vcpus_used = sa.Column(sa.Integer, nullable=False)
    memory_mb_used = sa.Column(sa.Integer, nullable=False)
    local_gb_used = sa.Column(sa.Integer, nullable=False)
    hypervisor_type = sa.Column(MediumText(), nullable=False)
    hypervisor_version = sa.Column(sa.Integer, nullable=False)
    hypervisor_hostname = sa.Column(sa.String(255))
    free_ram_mb = sa.Column(sa.Integer)
    free_disk_gb = sa.Column(sa.Integer)
    current_workload = sa.Column(sa.Integer)
    running_vms = sa.Column(sa.Integer)
    cpu_info = sa.Column(MediumText(), nullable=False)
    disk_available_least = sa.Column(sa.Integer)
    host_ip = sa.Column(IPAddress())
    supported_instances = sa.Column(sa.Text)
    metrics = sa.Column(sa.Text)
    pci_stats = sa.Column(sa.Text)
    extra_resources = sa.Column(sa.Text)
    stats = sa.Column(sa.Text, default='{}')
    numa_topology = sa.Column(sa.Text)
    ram_allocation_ratio = sa.Column(sa.Float, nullable=True)
    cpu_allocation_ratio = sa.Column(sa.Float, nullable=True)
    disk_allocation_ratio = sa.Column(sa.Float, nullable=True)
    mapped = sa.Column(sa.Integer, nullable=True, default=0)


# --- instances --------------------------------------------------------------

class Instance(SoftDeleteBase):
    """A guest.  Flavor and NUMA details live in instance_extra."""

    __tablename__ = 'instances'
    __table_args__ = _args(
        sa.Index('instances_project_id_idx', 'project_id'),
        sa.Index('instances_project_id_deleted_idx', 'project_id', 'deleted'),
        sa.Index('instances_reservation_id_idx', 'reservation_id'),
        sa.Index('instances_terminated_at_launched_at_idx',
                 'terminated_at', 'launched_at'),
        sa.Index('instances_uuid_deleted_idx', 'uuid', 'deleted'),
        sa.Index('instances_task_state_updated_at_idx',
                 'task_state', 'updated_at'),
        sa.Index('instances_host_node_deleted_idx', 'host', 'node', 'deleted'),
        sa.Index('instances_host_deleted_cleaned_idx',
                 'host', 'deleted', 'cleaned'),
        sa.Index('instances_deleted_created_at_idx', 'deleted', 'created_at'),
        sa.Index('instances_updated_at_project_id_idx',
                 'updated_at', 'project_id'),
        sa.Index('instances_compute_id_deleted_idx', 'compute_id', 'deleted'),
        sa.UniqueConstraint('uuid', name='uniq_instances0uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    internal_id = sa.Column(sa.Integer)
    user_id = sa.Column(sa.String(255))
    project_id = sa.Column(sa.String(255))
    image_ref = sa.Column(sa.String(255))
    kernel_id = sa.Column(sa.String(255))
    ramdisk_id = sa.Column(sa.String(255))
    hostname = sa.Column(sa.String(255))
    launch_index = sa.Column(sa.Integer)
    key_name = sa.Column(sa.String(255))
    key_data = sa.Column(MediumText())
    power_state = sa.Column(sa.Integer)
    vm_state = sa.Column(sa.String(255))
    task_state = sa.Column(sa.String(255))
    memory_mb = sa.Column(sa.Integer)
    vcpus = sa.Column(sa.Integer)
    root_gb = sa.Column(sa.Integer)
    ephemeral_gb = sa.Column(sa.Integer)
    ephemeral_key_uuid = sa.Column(sa.String(36))
    # The compute service's host; ``node`` is the hypervisor_hostname.
    host = sa.Column(sa.String(255))
    node = sa.Column(sa.String(255))
    compute_id = sa.Column(sa.BigInteger, nullable=True)
    # The flavor's internal id (not flavorid) when the instance was built.
    instance_type_id = sa.Column(sa.Integer)
    user_data = sa.Column(MediumText())
    reservation_id = sa.Column(sa.String(255))
    launched_at = sa.Column(sa.DateTime)
    terminated_at = sa.Column(sa.DateTime)
    availability_zone = sa.Column(sa.String(255))
    display_name = sa.Column(sa.String(255))
    display_description = sa.Column(sa.String(255))
    launched_on = sa.Column(MediumText())
    locked = sa.Column(sa.Boolean)
    locked_by = sa.Column(
        sa.Enum('owner', 'admin', name='instances0locked_by'))
    os_type = sa.Column(sa.String(255))
    architecture = sa.Column(sa.String(255))
    vm_mode = sa.Column(sa.String(255))
    uuid = sa.Column(sa.String(36), nullable=False)
    root_device_name = sa.Column(sa.String(255))
    default_ephemeral_device = sa.Column(sa.String(255))
    default_swap_device = sa.Column(sa.String(255))
    config_drive = sa.Column(sa.String(255))
    access_ip_v4 = sa.Column(IPAddress())
    access_ip_v6 = sa.Column(IPAddress())
    auto_disk_config = sa.Column(sa.Boolean())
    progress = sa.Column(sa.Integer)
    shutdown_terminate = sa.Column(sa.Boolean(), default=False)
    disable_terminate = sa.Column(sa.Boolean(), default=False)
    cell_name = sa.Column(sa.String(255))
    # Set once the compute host has removed the instance's local files.
    cleaned = sa.Column(sa.Integer, default=0)
    hidden = sa.Column(sa.Boolean, default=False)

    info_cache = orm.relationship(
        'InstanceInfoCache', uselist=False, back_populates='instance')
    extra = orm.relationship(
        'InstanceExtra', uselist=False, back_populates='instance')
    metadata_items = orm.relationship(
        'InstanceMetadata',
        primaryjoin='and_(InstanceMetadata.instance_uuid == Instance.uuid,'
                    ' InstanceMetadata.deleted == 0)')
    system_metadata = orm.relationship(
        'InstanceSystemMetadata',
        primaryjoin='and_('
                    'InstanceSystemMetadata.instance_uuid == Instance.uuid,'
                    ' InstanceSystemMetadata.deleted == 0)')
    tags = orm.relationship(
        'Tag', viewonly=True,
        primaryjoin='foreign(Tag.resource_id) == Instance.uuid')


class InstanceInfoCache(SoftDeleteBase):
    """The instance's network info as Neutron last described it."""

    __tablename__ = 'instance_info_caches'
    __table_args__ = _args(
        sa.UniqueConstraint('instance_uuid',
                            name='uniq_instance_info_caches0instance_uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    network_info = sa.Column(MediumText())
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey('instances.uuid'),
                              nullable=False)

    instance = orm.relationship(Instance, back_populates='info_cache')


class InstanceExtra(SoftDeleteBase):
    """Serialized objects too large or too rarely read for instances.

    The columns are deferred: most instance reads do not want them.
    """

    __tablename__ = 'instance_extra'
    __table_args__ = _args(
        sa.Index('instance_extra_idx', 'instance_uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey('instances.uuid'),
                              nullable=False)
    device_metadata = orm.deferred(sa.Column(sa.Text))
    numa_topology = orm.deferred(sa.Column(sa.Text))
    pci_requests = orm.deferred(sa.Column(sa.Text))
    flavor = orm.deferred(sa.Column(sa.Text))
    vcpu_model = orm.deferred(sa.Column(sa.Text))
    migration_context = orm.deferred(sa.Column(sa.Text))
    keypairs = orm.deferred(sa.Column(sa.Text))
    trusted_certs = orm.deferred(sa.Column(sa.Text))
    resources = orm.deferred(sa.Column(sa.Text))

    instance = orm.relationship(Instance, back_populates='extra')


class InstanceFault(SoftDeleteBase):
    """The last errors of an instance, shown in the server's 'fault'."""

    __tablename__ = 'instance_faults'
    __table_args__ = _args(
        sa.Index('instance_faults_host_idx', 'host'),
        sa.Index('instance_faults_instance_uuid_deleted_created_at_idx',
                 'instance_uuid', 'deleted', 'created_at'),
    )

    id = sa.Column(sa.Integer, primary_key=True, nullable=False)
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey('instances.uuid'))
    code = sa.Column(sa.Integer(), nullable=False)
    message = sa.Column(sa.String(255))
    details = sa.Column(MediumText())
    host = sa.Column(sa.String(255))


class InstanceAction(SoftDeleteBase):
    """One user request on an instance (os-instance-actions)."""

    __tablename__ = 'instance_actions'
    __table_args__ = _args(
        sa.Index('instance_uuid_idx', 'instance_uuid'),
        sa.Index('request_id_idx', 'request_id'),
        sa.Index('instance_actions_instance_uuid_updated_at_idx',
                 'instance_uuid', 'updated_at'),
    )

    id = sa.Column(sa.Integer, primary_key=True, nullable=False,
                   autoincrement=True)
    action = sa.Column(sa.String(255))
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey('instances.uuid'))
    request_id = sa.Column(sa.String(255))
    user_id = sa.Column(sa.String(255))
    project_id = sa.Column(sa.String(255))
    start_time = sa.Column(sa.DateTime, default=utcnow)
    finish_time = sa.Column(sa.DateTime)
    message = sa.Column(sa.String(255))

    events = orm.relationship('InstanceActionEvent')


class InstanceActionEvent(SoftDeleteBase):
    """A step of an action, e.g. compute_build_and_run_instance."""

    __tablename__ = 'instance_actions_events'
    __table_args__ = _args()

    id = sa.Column(sa.Integer, primary_key=True, nullable=False,
                   autoincrement=True)
    event = sa.Column(sa.String(255))
    action_id = sa.Column(sa.Integer, sa.ForeignKey('instance_actions.id'))
    start_time = sa.Column(sa.DateTime, default=utcnow)
    finish_time = sa.Column(sa.DateTime)
    result = sa.Column(sa.String(255))
    traceback = sa.Column(sa.Text)
    host = sa.Column(sa.String(255))
    details = sa.Column(sa.Text)


class InstanceMetadata(SoftDeleteBase):
    """A user-set metadata key/value of an instance."""

    __tablename__ = 'instance_metadata'
    __table_args__ = _args(
        sa.Index('instance_metadata_instance_uuid_idx', 'instance_uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    key = sa.Column(sa.String(255))
    value = sa.Column(sa.String(255))
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey('instances.uuid'))


class InstanceSystemMetadata(SoftDeleteBase):
    """A metadata key/value owned by Nova (image properties, ...)."""

    __tablename__ = 'instance_system_metadata'
    __table_args__ = _args(
        sa.Index('instance_uuid', 'instance_uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    key = sa.Column(sa.String(255), nullable=False)
    value = sa.Column(sa.String(255))
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey('instances.uuid'),
                              nullable=False)


class BlockDeviceMapping(SoftDeleteBase):
    """A disk of an instance: image, volume, snapshot or blank."""

    __tablename__ = 'block_device_mapping'
    __table_args__ = _args(
        sa.Index('snapshot_id', 'snapshot_id'),
        sa.Index('volume_id', 'volume_id'),
        sa.Index('block_device_mapping_instance_uuid_device_name_idx',
                 'instance_uuid', 'device_name'),
        sa.Index('block_device_mapping_instance_uuid_volume_id_idx',
                 'instance_uuid', 'volume_id'),
        sa.Index('block_device_mapping_instance_uuid_idx', 'instance_uuid'),
        sa.UniqueConstraint('uuid', name='uniq_block_device_mapping0uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey('instances.uuid'))
    # The mapping's own uuid, not the image's, volume's or snapshot's.
    uuid = sa.Column(sa.String(36))
    source_type = sa.Column(sa.String(255))
    destination_type = sa.Column(sa.String(255))
    guest_format = sa.Column(sa.String(255))
    device_type = sa.Column(sa.String(255))
    disk_bus = sa.Column(sa.String(255))
    boot_index = sa.Column(sa.Integer)
    device_name = sa.Column(sa.String(255))
    delete_on_termination = sa.Column(sa.Boolean, default=False)
    snapshot_id = sa.Column(sa.String(36))
    volume_id = sa.Column(sa.String(36))
    volume_size = sa.Column(sa.Integer)
    volume_type = sa.Column(sa.String(255))
    image_id = sa.Column(sa.String(36))
    no_device = sa.Column(sa.Boolean)
    connection_info = sa.Column(MediumText())
    tag = sa.Column(sa.String(255))
    attachment_id = sa.Column(sa.String(36))
    encrypted = sa.Column(sa.Boolean, nullable=True, default=False)
    encryption_secret_uuid = sa.Column(sa.String(36), nullable=True)
    encryption_format = sa.Column(sa.String(128), nullable=True)
    encryption_options = sa.Column(sa.String(4096), nullable=True)


class ConsoleAuthToken(TimestampMixin, MainBase):
    """A console token (only its hash); removed, not soft-deleted."""

    __tablename__ = 'console_auth_tokens'
    __table_args__ = _args(
        sa.Index('console_auth_tokens_instance_uuid_idx', 'instance_uuid'),
        sa.Index('console_auth_tokens_host_expires_idx', 'host', 'expires'),
        sa.Index('console_auth_tokens_token_hash_instance_uuid_idx',
                 'token_hash', 'instance_uuid'),
        sa.UniqueConstraint('token_hash',
                            name='uniq_console_auth_tokens0token_hash'),
    )

    id = sa.Column(sa.Integer, primary_key=True, nullable=False)
    token_hash = sa.Column(sa.String(255), nullable=False)
    console_type = sa.Column(sa.String(255), nullable=False)
    host = sa.Column(sa.String(255), nullable=False)
    port = sa.Column(sa.Integer, nullable=False)
    tls_port = sa.Column(sa.Integer, nullable=True)
    internal_access_path = sa.Column(sa.Text)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    expires = sa.Column(sa.Integer, nullable=False)
    access_url_base = sa.Column(sa.String(255))


class Migration(SoftDeleteBase):
    """A move of an instance: cold/live migration, resize, evacuation."""

    __tablename__ = 'migrations'
    __table_args__ = _args(
        sa.Index('migrations_instance_uuid_and_status_idx',
                 'deleted', 'instance_uuid', 'status'),
        # Prefix lengths keep the key under InnoDB's 3072 bytes.
        sa.Index('migrations_by_host_nodes_and_status_idx',
                 'deleted', 'source_compute', 'dest_compute', 'source_node',
                 'dest_node', 'status',
                 mysql_length={'source_compute': 100, 'dest_compute': 100,
                               'source_node': 100, 'dest_node': 100}),
        sa.Index('migrations_by_dest_host_nodes_and_status_idx',
                 'deleted', 'dest_compute', 'dest_node', 'status'),
        sa.Index('migrations_by_src_host_nodes_and_status_idx',
                 'deleted', 'source_compute', 'source_node', 'status'),
        sa.Index('migrations_uuid', 'uuid', unique=True),
        sa.Index('migrations_updated_at_idx', 'updated_at'),
        sa.Index('migrations_dest_compute_id_deleted_idx',
                 'dest_compute_id', 'deleted'),
    )

    id = sa.Column(sa.Integer, primary_key=True, nullable=False)
    source_compute = sa.Column(sa.String(255))
    dest_compute = sa.Column(sa.String(255))
    source_node = sa.Column(sa.String(255))
    dest_node = sa.Column(sa.String(255))
    dest_compute_id = sa.Column(sa.BigInteger, nullable=True)
    dest_host = sa.Column(sa.String(255))
    old_instance_type_id = sa.Column(sa.Integer())
    new_instance_type_id = sa.Column(sa.Integer())
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey('instances.uuid'))
    uuid = sa.Column(sa.String(36), nullable=True)
    status = sa.Column(sa.String(255))
    migration_type = sa.Column(
        sa.Enum('migration', 'resize', 'live-migration', 'evacuation',
                name='migration_type'),
        nullable=True)
    hidden = sa.Column(sa.Boolean, default=False)
    memory_total = sa.Column(sa.BigInteger, nullable=True)
    memory_processed = sa.Column(sa.BigInteger, nullable=True)
    memory_remaining = sa.Column(sa.BigInteger, nullable=True)
    disk_total = sa.Column(sa.BigInteger, nullable=True)
    disk_processed = sa.Column(sa.BigInteger, nullable=True)
    disk_remaining = sa.Column(sa.BigInteger, nullable=True)
    cross_cell_move = sa.Column(sa.Boolean, default=False)
    user_id = sa.Column(sa.String(255), nullable=True)
    project_id = sa.Column(sa.String(255), nullable=True)


class Tag(MainBase):
    """A server tag.  Removed with its instance, never soft-deleted."""

    __tablename__ = 'tags'
    __table_args__ = _args(
        sa.Index('tags_tag_idx', 'tag'),
    )

    resource_id = sa.Column(sa.String(36), primary_key=True, nullable=False)
    tag = sa.Column(sa.Unicode(80), primary_key=True, nullable=False)


class InstanceIdMapping(SoftDeleteBase):
    """EC2-style integer ids for instance uuids (kept for parity)."""

    __tablename__ = 'instance_id_mappings'
    __table_args__ = _args(
        sa.Index('ix_instance_id_mappings_uuid', 'uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True, nullable=False,
                   autoincrement=True)
    uuid = sa.Column(sa.String(36), nullable=False)


class VirtualInterface(SoftDeleteBase):
    """A port of an instance, with its device tag."""

    __tablename__ = 'virtual_interfaces'
    __table_args__ = _args(
        sa.UniqueConstraint('address', 'deleted',
                            name='uniq_virtual_interfaces0address0deleted'),
        sa.Index('virtual_interfaces_network_id_idx', 'network_id'),
        sa.Index('virtual_interfaces_instance_uuid_fkey', 'instance_uuid'),
        sa.Index('virtual_interfaces_uuid_idx', 'uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True, nullable=False)
    address = sa.Column(sa.String(255))
    network_id = sa.Column(sa.Integer)
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey('instances.uuid'))
    uuid = sa.Column(sa.String(36))
    tag = sa.Column(sa.String(255))


class SecurityGroup(SoftDeleteBase):
    """A nova-network era security group (Neutron owns them now)."""

    __tablename__ = 'security_groups'
    __table_args__ = _args(
        sa.UniqueConstraint('project_id', 'name', 'deleted',
                            name='uniq_security_groups0project_id0name0deleted'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(255))
    description = sa.Column(sa.String(255))
    user_id = sa.Column(sa.String(255))
    project_id = sa.Column(sa.String(255))


class SecurityGroupInstanceAssociation(SoftDeleteBase):
    """Which security groups an instance was booted with."""

    __tablename__ = 'security_group_instance_association'
    __table_args__ = _args(
        sa.Index('security_group_instance_association_instance_uuid_idx',
                 'instance_uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True, nullable=False)
    security_group_id = sa.Column(sa.Integer,
                                  sa.ForeignKey('security_groups.id'))
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey('instances.uuid'))


class TaskLog(SoftDeleteBase):
    """Audit of periodic tasks (instance usage audit).  Never deleted.

    ``archive_deleted_rows(task_log=True)`` moves these rows.
    """

    __tablename__ = 'task_log'
    __table_args__ = _args(
        sa.UniqueConstraint(
            'task_name', 'host', 'period_beginning', 'period_ending',
            name='uniq_task_log0task_name0host0period_beginning0period_ending'),
        sa.Index('ix_task_log_period_beginning', 'period_beginning'),
        sa.Index('ix_task_log_host', 'host'),
        sa.Index('ix_task_log_period_ending', 'period_ending'),
    )

    id = sa.Column(sa.Integer, primary_key=True, nullable=False,
                   autoincrement=True)
    task_name = sa.Column(sa.String(255), nullable=False)
    state = sa.Column(sa.String(255), nullable=False)
    host = sa.Column(sa.String(255), nullable=False)
    period_beginning = sa.Column(sa.DateTime, default=utcnow, nullable=False)
    period_ending = sa.Column(sa.DateTime, default=utcnow, nullable=False)
    message = sa.Column(sa.String(255), nullable=False)
    task_items = sa.Column(sa.Integer(), default=0)
    errors = sa.Column(sa.Integer(), default=0)


# --- shadow tables ----------------------------------------------------------

def _add_shadow_tables(metadata):
    """Add ``shadow_<name>`` for every table of ``metadata``.

    A shadow table has the same columns (names, types, nullability and
    primary key) and nothing else: no foreign keys, unique constraints
    or indexes, since archived rows of different eras must all fit and
    their parents may be archived separately.  Ids are copied, never
    generated.
    """
    for table in list(metadata.sorted_tables):
        if table.name.startswith(SHADOW_PREFIX):
            continue
        columns = [
            sa.Column(col.name, col.type.copy(), nullable=col.nullable,
                      primary_key=col.primary_key,
                      autoincrement=False if col.primary_key else 'auto')
            for col in table.columns
        ]
        sa.Table(SHADOW_PREFIX + table.name, metadata, *columns,
                 **TABLE_KWARGS)


_add_shadow_tables(MainBase.metadata)


def shadow_table(name):
    """The shadow Table of cell table ``name``."""
    return MainBase.metadata.tables[SHADOW_PREFIX + name]


def live_tables():
    """The cell tables that are not shadows, parents before children."""
    return [t for t in MainBase.metadata.sorted_tables
            if not t.name.startswith(SHADOW_PREFIX)]
