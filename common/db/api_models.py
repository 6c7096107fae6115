"""Tables of the API database (``nova_api``).

The API database holds what is global to the deployment: which cell each
instance and host lives in, the requests still waiting for a cell,
flavors, key pairs, quotas, server groups and host aggregates.  Its rows
are deleted for real (no soft delete): what needs a history lives in the
cell databases (``common.db.main_models``).

Table, column, index and constraint names follow Nova's API schema so an
operator's knowledge (and SQL) carries over.  The alembic tree in
``migrations/api`` is the only thing that creates these tables; a test
checks that it produces exactly this metadata.
"""

import datetime
import json

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects import mysql

# Every table is InnoDB (transactions, foreign keys) with a 4-byte UTF-8
# character set, so names and descriptions accept any character.
TABLE_KWARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}

# Foreign keys get a predictable name on every backend so a later
# migration can drop them by name (MySQL would otherwise pick one).
NAMING_CONVENTION = {'fk': '%(table_name)s_%(column_0_name)s_fkey'}


def MediumText():
    """TEXT caps at 64 KiB on MySQL; serialized objects need MEDIUMTEXT."""
    return sa.Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')


def utcnow():
    """Naive UTC, as Nova stores every timestamp."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _args(*items, **extra):
    """``__table_args__``: constraints plus the MySQL table options."""
    return items + ({**TABLE_KWARGS, **extra},)


class TimestampMixin:
    """created_at set on insert, updated_at on every ORM update."""

    created_at = sa.Column(sa.DateTime, default=utcnow)
    updated_at = sa.Column(sa.DateTime, onupdate=utcnow)


class _Base(orm.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

    def to_dict(self):
        """The row's columns as a dict (for objects and API views)."""
        return {c.key: getattr(self, c.key)
                for c in sa.inspect(self).mapper.column_attrs}


class ApiBase(TimestampMixin, _Base):
    """Declarative base of the API database; every table is timestamped."""

    __abstract__ = True


# --- cells and mappings ---------------------------------------------------

class CellMapping(ApiBase):
    """How to reach one cell: its database and its message queue."""

    __tablename__ = 'cell_mappings'
    __table_args__ = _args(
        sa.Index('uuid_idx', 'uuid'),
        sa.UniqueConstraint('uuid', name='uniq_cell_mappings0uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    name = sa.Column(sa.String(255))
    transport_url = sa.Column(sa.Text())
    database_connection = sa.Column(sa.Text())
    disabled = sa.Column(sa.Boolean, default=False)


class HostMapping(ApiBase):
    """Which cell a compute host belongs to (filled by discover_hosts)."""

    __tablename__ = 'host_mappings'
    __table_args__ = _args(
        sa.Index('host_idx', 'host'),
        sa.UniqueConstraint('host', name='uniq_host_mappings0host'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    cell_id = sa.Column(sa.Integer, sa.ForeignKey('cell_mappings.id'),
                        nullable=False)
    host = sa.Column(sa.String(255), nullable=False)

    cell_mapping = orm.relationship(CellMapping, lazy='joined')


class InstanceMapping(ApiBase):
    """Which cell an instance lives in; cell_id is NULL while building."""

    __tablename__ = 'instance_mappings'
    __table_args__ = _args(
        sa.Index('project_id_idx', 'project_id'),
        sa.Index('instance_uuid_idx', 'instance_uuid'),
        sa.Index('instance_mappings_user_id_project_id_idx',
                 'user_id', 'project_id'),
        sa.UniqueConstraint('instance_uuid',
                            name='uniq_instance_mappings0instance_uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    cell_id = sa.Column(sa.Integer, sa.ForeignKey('cell_mappings.id'),
                        nullable=True)
    project_id = sa.Column(sa.String(255), nullable=False)
    user_id = sa.Column(sa.String(255), nullable=True)
    queued_for_delete = sa.Column(sa.Boolean, default=False)

    cell_mapping = orm.relationship(CellMapping, lazy='joined')


class BuildRequest(ApiBase):
    """An instance accepted by the API and not yet placed in a cell."""

    __tablename__ = 'build_requests'
    __table_args__ = _args(
        sa.Index('build_requests_instance_uuid_idx', 'instance_uuid'),
        sa.Index('build_requests_project_id_idx', 'project_id'),
        sa.UniqueConstraint('instance_uuid',
                            name='uniq_build_requests0instance_uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    instance_uuid = sa.Column(sa.String(36))
    project_id = sa.Column(sa.String(255), nullable=False)
    instance = sa.Column(MediumText())
    block_device_mappings = sa.Column(MediumText())
    tags = sa.Column(sa.Text())


class RequestSpec(ApiBase):
    """What the scheduler was asked for, kept for moves and rebuilds."""

    __tablename__ = 'request_specs'
    __table_args__ = _args(
        sa.Index('request_spec_instance_uuid_idx', 'instance_uuid'),
        sa.UniqueConstraint('instance_uuid',
                            name='uniq_request_specs0instance_uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    spec = sa.Column(MediumText(), nullable=False)


# --- flavors ----------------------------------------------------------------

class Flavor(ApiBase):
    """A size an instance can be built with."""

    __tablename__ = 'flavors'
    __table_args__ = _args(
        sa.UniqueConstraint('flavorid', name='uniq_flavors0flavorid'),
        sa.UniqueConstraint('name', name='uniq_flavors0name'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(255), nullable=False)
    memory_mb = sa.Column(sa.Integer, nullable=False)
    vcpus = sa.Column(sa.Integer, nullable=False)
    root_gb = sa.Column(sa.Integer)
    ephemeral_gb = sa.Column(sa.Integer)
    flavorid = sa.Column(sa.String(255), nullable=False)
    swap = sa.Column(sa.Integer, nullable=False, default=0)
    rxtx_factor = sa.Column(sa.Float, default=1)
    vcpu_weight = sa.Column(sa.Integer)
    disabled = sa.Column(sa.Boolean, default=False)
    is_public = sa.Column(sa.Boolean, default=True)
    description = sa.Column(sa.Text)

    extra_specs = orm.relationship(
        'FlavorExtraSpec', back_populates='flavor',
        cascade='all, delete-orphan')
    projects = orm.relationship(
        'FlavorProject', back_populates='flavor',
        cascade='all, delete-orphan')

    def as_dict(self):
        """Columns, extra specs and projects: what the API shows and
        the conductor replies with (load the relationships first)."""
        values = self.to_dict()
        values['extra_specs'] = {spec.key: spec.value
                                 for spec in self.extra_specs}
        values['projects'] = sorted(p.project_id for p in self.projects)
        return values


class FlavorExtraSpec(ApiBase):
    """A key/value a scheduler filter or the virt driver interprets.

    The table collates in binary, as Nova's does, so keys differing only
    in case are distinct.
    """

    __tablename__ = 'flavor_extra_specs'
    __table_args__ = _args(
        sa.Index('flavor_extra_specs_flavor_id_key_idx', 'flavor_id', 'key'),
        sa.UniqueConstraint('flavor_id', 'key',
                            name='uniq_flavor_extra_specs0flavor_id0key'),
        mysql_collate='utf8mb4_bin',
    )

    id = sa.Column(sa.Integer, primary_key=True)
    key = sa.Column(sa.String(255), nullable=False)
    value = sa.Column(sa.String(255))
    flavor_id = sa.Column(sa.Integer, sa.ForeignKey('flavors.id'),
                          nullable=False)

    flavor = orm.relationship(Flavor, back_populates='extra_specs')


class FlavorProject(ApiBase):
    """A project allowed to use a private flavor."""

    __tablename__ = 'flavor_projects'
    __table_args__ = _args(
        sa.UniqueConstraint(
            'flavor_id', 'project_id',
            name='uniq_flavor_projects0flavor_id0project_id'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    flavor_id = sa.Column(sa.Integer, sa.ForeignKey('flavors.id'),
                          nullable=False)
    project_id = sa.Column(sa.String(255), nullable=False)

    flavor = orm.relationship(Flavor, back_populates='projects')


# --- key pairs --------------------------------------------------------------

class KeyPair(ApiBase):
    """A user's public key, injected into the instances they boot."""

    __tablename__ = 'key_pairs'
    __table_args__ = _args(
        sa.UniqueConstraint('user_id', 'name',
                            name='uniq_key_pairs0user_id0name'),
    )

    id = sa.Column(sa.Integer, primary_key=True, nullable=False)
    name = sa.Column(sa.String(255), nullable=False)
    user_id = sa.Column(sa.String(255), nullable=False)
    fingerprint = sa.Column(sa.String(255))
    public_key = sa.Column(sa.Text())
    type = sa.Column(sa.Enum('ssh', 'x509', name='keypair_types'),
                     nullable=False, server_default='ssh')


# --- quotas -----------------------------------------------------------------

class Quota(ApiBase):
    """A project's limit for one resource; no row means the default.

    A row whose hard_limit is NULL means unlimited.
    """

    __tablename__ = 'quotas'
    __table_args__ = _args(
        sa.UniqueConstraint('project_id', 'resource',
                            name='uniq_quotas0project_id0resource'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    project_id = sa.Column(sa.String(255))
    resource = sa.Column(sa.String(255), nullable=False)
    hard_limit = sa.Column(sa.Integer)


class ProjectUserQuota(ApiBase):
    """A limit for one user inside a project."""

    __tablename__ = 'project_user_quotas'
    __table_args__ = _args(
        sa.UniqueConstraint(
            'user_id', 'project_id', 'resource',
            name='uniq_project_user_quotas0user_id0project_id0resource'),
        sa.Index('project_user_quotas_project_id_idx', 'project_id'),
        sa.Index('project_user_quotas_user_id_idx', 'user_id'),
    )

    id = sa.Column(sa.Integer, primary_key=True, nullable=False)
    project_id = sa.Column(sa.String(255), nullable=False)
    user_id = sa.Column(sa.String(255), nullable=False)
    resource = sa.Column(sa.String(255), nullable=False)
    hard_limit = sa.Column(sa.Integer)


class QuotaClass(ApiBase):
    """Deployment-wide defaults (the 'default' class) per resource."""

    __tablename__ = 'quota_classes'
    __table_args__ = _args(
        sa.Index('quota_classes_class_name_idx', 'class_name'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    class_name = sa.Column(sa.String(255))
    resource = sa.Column(sa.String(255))
    hard_limit = sa.Column(sa.Integer)


class QuotaUsage(ApiBase):
    """Tracked usage, kept for schema parity with Nova.

    Nova counts usage from the resources themselves since Pike; the
    table stays because operators' tooling may still read it.
    """

    __tablename__ = 'quota_usages'
    __table_args__ = _args(
        sa.Index('quota_usages_project_id_idx', 'project_id'),
        sa.Index('quota_usages_user_id_idx', 'user_id'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    project_id = sa.Column(sa.String(255))
    user_id = sa.Column(sa.String(255))
    resource = sa.Column(sa.String(255), nullable=False)
    in_use = sa.Column(sa.Integer, nullable=False)
    reserved = sa.Column(sa.Integer, nullable=False)
    until_refresh = sa.Column(sa.Integer)


class Reservation(ApiBase):
    """A reservation against a usage row, kept for schema parity."""

    __tablename__ = 'reservations'
    __table_args__ = _args(
        sa.Index('reservations_project_id_idx', 'project_id'),
        sa.Index('reservations_uuid_idx', 'uuid'),
        sa.Index('reservations_expire_idx', 'expire'),
        sa.Index('reservations_user_id_idx', 'user_id'),
    )

    id = sa.Column(sa.Integer, primary_key=True, nullable=False)
    uuid = sa.Column(sa.String(36), nullable=False)
    usage_id = sa.Column(sa.Integer, sa.ForeignKey('quota_usages.id'),
                         nullable=False)
    project_id = sa.Column(sa.String(255))
    user_id = sa.Column(sa.String(255))
    resource = sa.Column(sa.String(255))
    delta = sa.Column(sa.Integer, nullable=False)
    expire = sa.Column(sa.DateTime)


# --- server groups ----------------------------------------------------------

class InstanceGroup(ApiBase):
    """A server group: instances placed under one policy."""

    __tablename__ = 'instance_groups'
    __table_args__ = _args(
        sa.UniqueConstraint('uuid', name='uniq_instance_groups0uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    user_id = sa.Column(sa.String(255))
    project_id = sa.Column(sa.String(255))
    uuid = sa.Column(sa.String(36), nullable=False)
    name = sa.Column(sa.String(255))

    policies = orm.relationship(
        'InstanceGroupPolicy', cascade='all, delete-orphan')
    members = orm.relationship(
        'InstanceGroupMember', cascade='all, delete-orphan')

    def as_dict(self):
        """Columns, its one policy, the rules (stored as JSON) and the
        member uuids (load the relationships first)."""
        values = self.to_dict()
        policy = self.policies[0] if self.policies else None
        values['policy'] = policy.policy if policy else None
        values['rules'] = json.loads(policy.rules) if (
            policy and policy.rules) else {}
        values['members'] = [m.instance_uuid for m in self.members]
        return values


class InstanceGroupPolicy(ApiBase):
    """The group's policy (affinity, anti-affinity, ...) and its rules."""

    __tablename__ = 'instance_group_policy'
    __table_args__ = _args(
        sa.Index('instance_group_policy_policy_idx', 'policy'),
    )

    id = sa.Column(sa.Integer, primary_key=True, nullable=False)
    policy = sa.Column(sa.String(255))
    group_id = sa.Column(sa.Integer, sa.ForeignKey('instance_groups.id'),
                         nullable=False)
    rules = sa.Column(sa.Text)


class InstanceGroupMember(ApiBase):
    """An instance belonging to a server group."""

    __tablename__ = 'instance_group_member'
    __table_args__ = _args(
        sa.Index('instance_group_member_instance_idx', 'instance_uuid'),
    )

    id = sa.Column(sa.Integer, primary_key=True, nullable=False)
    instance_uuid = sa.Column(sa.String(255))
    group_id = sa.Column(sa.Integer, sa.ForeignKey('instance_groups.id'),
                         nullable=False)


# --- host aggregates --------------------------------------------------------

class Aggregate(ApiBase):
    """A named set of hosts with metadata (and maybe an AZ)."""

    __tablename__ = 'aggregates'
    __table_args__ = _args(
        sa.Index('aggregate_uuid_idx', 'uuid'),
        sa.UniqueConstraint('name', name='uniq_aggregate0name'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    uuid = sa.Column(sa.String(36))
    name = sa.Column(sa.String(255))

    hosts = orm.relationship(
        'AggregateHost', cascade='all, delete-orphan')
    metadata_items = orm.relationship(
        'AggregateMetadata', cascade='all, delete-orphan')

    def as_dict(self):
        """Columns, hosts, metadata and the zone its metadata names
        (load the relationships first)."""
        values = self.to_dict()
        values['hosts'] = [h.host for h in self.hosts]
        values['metadata'] = {m.key: m.value for m in self.metadata_items}
        values['availability_zone'] = values['metadata'].get(
            'availability_zone')
        return values


class AggregateHost(ApiBase):
    """A host's membership of an aggregate."""

    __tablename__ = 'aggregate_hosts'
    __table_args__ = _args(
        sa.UniqueConstraint('host', 'aggregate_id',
                            name='uniq_aggregate_hosts0host0aggregate_id'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    host = sa.Column(sa.String(255))
    aggregate_id = sa.Column(sa.Integer, sa.ForeignKey('aggregates.id'),
                             nullable=False)


class AggregateMetadata(ApiBase):
    """One key/value of an aggregate's metadata."""

    __tablename__ = 'aggregate_metadata'
    __table_args__ = _args(
        sa.UniqueConstraint('aggregate_id', 'key',
                            name='uniq_aggregate_metadata0aggregate_id0key'),
        sa.Index('aggregate_metadata_key_idx', 'key'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    key = sa.Column(sa.String(255), nullable=False)
    value = sa.Column(sa.String(255), nullable=False)
    aggregate_id = sa.Column(sa.Integer, sa.ForeignKey('aggregates.id'),
                             nullable=False)
