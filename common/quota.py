"""The quota engine's reads: limits, usage and whether a request fits.

Nova's ``DbQuotaDriver``, read-only.  A limit resolves user -> project
-> quota class 'default' -> the ``[quota]`` option (-1 is unlimited);
usage is counted when asked, never stored: servers, cores and RAM from
the instances of every cell, server groups and key pairs from the API
database.  The API shows quotas and limits with these functions and
checks key pairs against them; nova-conductor checks servers and server
groups with the same ``check_deltas``.  The writes (limits set by an
administrator) go through nova-conductor.
"""

from oslo_serialization import jsonutils
import sqlalchemy as sa

from common import conf
from common import exception
from common.db import api_models as api
from common.db import cells
from common.db import engines
from common.db import main_models as main
from common.db import mappings

CONF = conf.CONF

DEFAULT_CLASS = 'default'
UNLIMITED = -1
# Nova's resources, in the order its responses list them.
RESOURCES = (
    'instances', 'cores', 'ram', 'metadata_items', 'injected_files',
    'injected_file_content_bytes', 'injected_file_path_bytes', 'key_pairs',
    'server_groups', 'server_group_members',
    # nova-network's, kept in the responses before 2.36 and unlimited:
    # there is no option for them.
    'fixed_ips', 'floating_ips', 'security_groups', 'security_group_rules',
)
NETWORK_RESOURCES = ('fixed_ips', 'floating_ips', 'security_groups',
                     'security_group_rules')
INSTANCE_RESOURCES = ('instances', 'cores', 'ram')
# Counted per user (key pairs) or per group (members), never per
# project: a project's usage of them shows as 0, as in Nova.
PER_OWNER_RESOURCES = ('key_pairs', 'server_group_members')
# The [quota] option holding a resource's default, where named otherwise.
_OPTIONS = {'injected_file_path_bytes': 'injected_file_path_length'}
_SOFT_DELETED = 'soft-delete'


def _noop():
    """Whether ``[quota] driver`` turns quotas off: all unlimited."""
    return CONF.quota.driver.endswith('NoopQuotaDriver')


def _config_default(resource):
    if resource in NETWORK_RESOURCES:
        return UNLIMITED
    return CONF.quota[_OPTIONS.get(resource, resource)]


def _limit_rows(level, model, *owners):
    """(level, resource, hard_limit) rows of ``model``'s table whose
    ``owners`` columns equal the parameters of the same names."""
    table = model.__table__
    return sa.select(sa.literal(level, sa.Integer).label('level'),
                     table.c.resource, table.c.hard_limit).where(
        *(table.c[owner] == sa.bindparam(owner) for owner in owners))


# Built once: every server create reads its limits, in the API and
# again in the conductor's recheck.
_CLASS_LIMITS = _limit_rows(0, api.QuotaClass, 'class_name')
_OF_PROJECT = _limit_rows(1, api.Quota, 'project_id')
_PROJECT_LIMITS = sa.union_all(_CLASS_LIMITS, _OF_PROJECT)
_PROJECT_AND_USER_LIMITS = sa.union_all(
    _CLASS_LIMITS, _OF_PROJECT,
    _limit_rows(2, api.ProjectUserQuota, 'project_id', 'user_id'))


def class_limits(api_url, class_name=DEFAULT_CLASS):
    """A quota class's limits: its rows over the ``[quota]`` options.

    The 'default' class is what every project without limits of its
    own gets.
    """
    if _noop():
        return dict.fromkeys(RESOURCES, UNLIMITED)
    with engines.reader(api_url) as session:
        rows = {resource: limit for _level, resource, limit in
                session.execute(_CLASS_LIMITS, {'class_name': class_name})
                if resource in RESOURCES}
    return {r: rows.get(r, _config_default(r)) for r in RESOURCES}


def limits(api_url, project_id, user_id=None):
    """The limits of a project, or of one of its users."""
    if _noop():
        return dict.fromkeys(RESOURCES, UNLIMITED)
    with engines.reader(api_url) as session:
        project, user = _limits_in(session, project_id, user_id)
    return project if user is None else user


def _limits_in(session, project_id, user_id):
    """(the project's limits, the user's or None), read in one query:
    the default class's rows, overridden by the project's, overridden
    (for the user) by the user's."""
    query = (_PROJECT_LIMITS if user_id is None
             else _PROJECT_AND_USER_LIMITS)
    params = {'class_name': DEFAULT_CLASS, 'project_id': project_id,
              'user_id': user_id}
    found = [{}, {}, {}]
    for level, resource, limit in session.execute(query, params):
        if resource in RESOURCES:
            found[level][resource] = limit
    project_rows = {**found[0], **found[1]}
    project = {r: project_rows.get(r, _config_default(r)) for r in RESOURCES}
    if user_id is None:
        return project, None
    user_rows = {**project_rows, **found[2]}
    return project, {r: user_rows.get(r, _config_default(r))
                     for r in RESOURCES}


def user_limits_in_project(api_url, project_id):
    """{user_id: {resource: limit}}: the limits a project's users have
    of their own, which bound what the project's may be set to."""
    with engines.reader(api_url) as session:
        query = sa.select(api.ProjectUserQuota).where(
            api.ProjectUserQuota.project_id == project_id)
        found = {}
        for row in session.scalars(query):
            found.setdefault(row.user_id, {})[row.resource] = row.hard_limit
    return found


# --- usage ------------------------------------------------------------------

def _instance_query(project_id, user_id, building):
    """Servers, cores and RAM of the live servers of a project, then
    (with ``user_id``) of that user's among them: one pass for both.

    Soft-deleted servers can still be restored yet free their quota;
    a hidden copy (a cross-cell resize's other half) is counted in the
    cell that shows it; servers still ``building`` (with a build
    request) are counted from the build request instead.
    """
    instance = main.Instance
    sums = [sa.func.count(instance.id), sa.func.sum(instance.vcpus),
            sa.func.sum(instance.memory_mb)]
    if user_id is not None:
        mine = instance.user_id == user_id
        sums += [sa.func.sum(sa.case((mine, value), else_=0))
                 for value in (1, instance.vcpus, instance.memory_mb)]
    query = sa.select(*sums).where(
        instance.deleted == 0,
        instance.project_id == project_id,
        sa.or_(instance.vm_state != _SOFT_DELETED,
               instance.vm_state.is_(None)),
        sa.or_(instance.hidden.is_(False), instance.hidden.is_(None)))
    if building:
        query = query.where(instance.uuid.not_in(building))
    return query


def count_instances(api_url, project_id, user_id=None):
    """{'instances', 'cores', 'ram'} of a project (or user)."""
    project, user = _instance_usage(api_url, project_id, user_id)
    return project if user is None else user


def _instance_usage(api_url, project_id, user_id):
    """({'instances', 'cores', 'ram'} of a project, the same of one of
    its users or None) in every cell, cell0 included, and of its servers
    not yet placed (build requests); a cell that does not answer counts
    nothing, as in Nova.

    A server being placed is briefly in both its cell and its build
    request (the conductor creates it in the cell first, then deletes
    the build request): cell rows of servers that still have a build
    request are not counted, so it counts once whatever the timing.
    """
    project, user, building = _count_build_requests(api_url, project_id,
                                                    user_id)

    def read(cell):
        with engines.reader(cell.database_connection) as session:
            return session.execute(
                _instance_query(project_id, user_id, building)).one()

    for _cell, result in cells.scatter_gather(mappings.list_cells(api_url),
                                              read):
        if isinstance(result, cells.CellFailure):
            continue
        values = [int(value or 0) for value in result]
        for totals, offset in ((project, 0), (user, 3)):
            if totals is not None:
                for index, resource in enumerate(INSTANCE_RESOURCES):
                    totals[resource] += values[offset + index]
    return project, user


def _count_build_requests(api_url, project_id, user_id):
    """(project usage, user usage or None, uuids) of the project's
    build requests."""
    project = dict.fromkeys(INSTANCE_RESOURCES, 0)
    user = dict(project) if user_id is not None else None
    uuids = []
    with engines.reader(api_url) as session:
        texts = session.scalars(sa.select(api.BuildRequest.instance).where(
            api.BuildRequest.project_id == project_id))
        for record in map(jsonutils.loads, texts):
            uuids.append(record['uuid'])
            owners = [project]
            if user is not None and record.get('user_id') == user_id:
                owners.append(user)
            for totals in owners:
                totals['instances'] += 1
                totals['cores'] += record.get('vcpus') or 0
                totals['ram'] += record.get('memory_mb') or 0
    return project, user, uuids


def count_server_groups(api_url, project_id, user_id=None):
    with engines.reader(api_url) as session:
        query = sa.select(sa.func.count(api.InstanceGroup.id)).where(
            api.InstanceGroup.project_id == project_id)
        if user_id is not None:
            query = query.where(api.InstanceGroup.user_id == user_id)
        return session.scalar(query)


def count_key_pairs(api_url, user_id):
    with engines.reader(api_url) as session:
        return session.scalar(
            sa.select(sa.func.count(api.KeyPair.id)).where(
                api.KeyPair.user_id == user_id))


def usages(api_url, project_id, user_id=None):
    """{resource: in_use} of a project (or user), every resource.

    Limits nothing counts (metadata items, injected files, nova-network's
    resources) and the per-owner ones are 0, as Nova shows them.
    """
    if _noop():
        return dict.fromkeys(RESOURCES, UNLIMITED)
    in_use = dict.fromkeys(RESOURCES, 0)
    in_use.update(count_instances(api_url, project_id, user_id))
    in_use['server_groups'] = count_server_groups(api_url, project_id,
                                                  user_id)
    return in_use


# --- what an administrator may set -----------------------------------------

def _sum_limited(values):
    return sum(v for v in values if v != UNLIMITED)


def settable_ranges(api_url, project_id, user_id=None):
    """{resource: (minimum, maximum)} a new limit must lie in, -1 as
    maximum meaning any.

    A project's limit may not fall below its usage nor below what its
    users' own limits add up to; a user's may not fall below the user's
    usage nor exceed what the project's limit leaves after its other
    users' limits.
    """
    in_use = usages(api_url, project_id, user_id)
    by_user = user_limits_in_project(api_url, project_id)
    if user_id is None:
        return {r: (max(in_use[r], _sum_limited(
                    u.get(r, UNLIMITED) for u in by_user.values())),
                    UNLIMITED)
                for r in RESOURCES}
    project_limits = limits(api_url, project_id)
    ranges = {}
    for resource in RESOURCES:
        others = _sum_limited(limits_of.get(resource, UNLIMITED)
                              for other, limits_of in by_user.items()
                              if other != user_id)
        maximum = (UNLIMITED if project_limits[resource] == UNLIMITED
                   else project_limits[resource] - others)
        ranges[resource] = (in_use[resource], maximum)
    return ranges


# --- checks -----------------------------------------------------------------

def _counts(api_url, resources, project_id, user_id):
    """({resource: project usage}, {resource: user usage}) of the
    resources asked; key pairs only have the user's."""
    project, user = {}, {}
    if set(resources) & set(INSTANCE_RESOURCES):
        in_project, in_user = _instance_usage(api_url, project_id, user_id)
        project.update(in_project)
        user.update(in_user or {})
    if 'server_groups' in resources:
        project['server_groups'] = count_server_groups(api_url, project_id)
        if user_id is not None:
            user['server_groups'] = count_server_groups(
                api_url, project_id, user_id)
    if 'key_pairs' in resources:
        user['key_pairs'] = count_key_pairs(api_url, user_id)
    return project, user


def _over(limit, used, delta):
    return limit != UNLIMITED and used + delta > limit


def check_deltas(api_url, deltas, project_id, user_id=None):
    """Raise OverQuota unless adding ``deltas`` ({resource: n}) to the
    current usage stays within the project's and the user's limits.

    A delta of 0 re-checks after a creation (``[quota] recheck_quota``):
    concurrent requests may each have passed the first check.
    ``server_group_members`` is per group and not checked here.
    """
    if _noop():
        return
    with engines.reader(api_url) as session:
        project_limits, user_limits = _limits_in(session, project_id,
                                                 user_id)
    user_limits = user_limits or {}
    # Usage is only counted where a limit could be exceeded: counting
    # reads every cell, an unlimited resource cannot be over.
    limited = [r for r in deltas
               if (project_limits[r], user_limits.get(r, UNLIMITED)) !=
               (UNLIMITED, UNLIMITED)]
    if not limited:
        return
    project_used, user_used = _counts(api_url, limited, project_id, user_id)
    overs, quotas, used = [], {}, {}
    for resource, delta in deltas.items():
        for limit_of, used_of in ((project_limits, project_used),
                                  (user_limits, user_used)):
            if resource in used_of and _over(limit_of[resource],
                                             used_of[resource], delta):
                overs.append(resource)
                quotas[resource] = limit_of[resource]
                used[resource] = used_of[resource]
                break
    if overs:
        raise exception.OverQuota(overs=sorted(overs), quotas=quotas,
                                  usages=used)
