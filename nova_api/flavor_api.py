"""Flavors as the API reads them, straight from the API database.

Writes go through nova-conductor (``ConductorAPI.flavor_*``); reads are
here so every controller that needs a flavor (flavors, their extra
specs and access, servers) sees the same ones.  A project that is not
an administrator's sees public flavors and the private ones it was
given access to; any other flavor does not exist for it (404).

Flavors travel as dicts shaped like the conductor's replies: the
flavors row plus ``extra_specs`` (a dict) and ``projects`` (a list).
"""

from oslo_serialization import jsonutils
import sqlalchemy as sa
from sqlalchemy import orm

from common import exception
from common.db import api_models as api
from common.db import engines
from common.db import json_functions

# What GET /flavors may sort on: the flavors table's own columns.
SORT_KEYS = ('created_at', 'description', 'disabled', 'ephemeral_gb',
             'flavorid', 'id', 'is_public', 'memory_mb', 'name', 'root_gb',
             'rxtx_factor', 'swap', 'updated_at', 'vcpu_weight', 'vcpus')


def _visible(context):
    """The flavors ``context`` may see, with their specs and projects
    (a second query per relationship, for lists)."""
    query = sa.select(api.Flavor).options(
        orm.selectinload(api.Flavor.extra_specs),
        orm.selectinload(api.Flavor.projects))
    if not context.is_admin:
        query = query.where(sa.or_(
            api.Flavor.is_public == sa.true(),
            api.Flavor.projects.any(project_id=context.project_id)))
    return query


def _read(query):
    url = engines.configured_url('api_database')
    with engines.reader(url) as session:
        return [flavor.as_dict()
                for flavor in session.scalars(query).unique()]


_FLAVORS = api.Flavor.__table__
_SPECS = api.FlavorExtraSpec.__table__
_PROJECTS = api.FlavorProject.__table__
# One flavor in one round trip and without the ORM (every server create
# reads its flavor): its row, its specs and its projects as JSON.
_ONE = sa.select(
    _FLAVORS,
    sa.select(json_functions.JsonObject(_SPECS.c.key, _SPECS.c.value))
    .where(_SPECS.c.flavor_id == _FLAVORS.c.id).scalar_subquery()
    .label('extra_specs_json'),
    sa.select(json_functions.JsonArray(_PROJECTS.c.project_id))
    .where(_PROJECTS.c.flavor_id == _FLAVORS.c.id).scalar_subquery()
    .label('projects_json'),
).where(_FLAVORS.c.flavorid == sa.bindparam('flavorid'))
_SHARED_WITH = sa.exists().where(
    _PROJECTS.c.flavor_id == _FLAVORS.c.id,
    _PROJECTS.c.project_id == sa.bindparam('project_id'))
_ONE_VISIBLE = _ONE.where(sa.or_(_FLAVORS.c.is_public == sa.true(),
                                 _SHARED_WITH))


def get(context, flavorid):
    """One flavor by the id users know; FlavorNotFound if not visible."""
    url = engines.configured_url('api_database')
    with engines.reader(url) as session:
        row = session.execute(
            _ONE if context.is_admin else _ONE_VISIBLE,
            {'flavorid': flavorid, 'project_id': context.project_id}).first()
    if row is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    flavor = dict(row._mapping)
    specs = flavor.pop('extra_specs_json')
    projects = flavor.pop('projects_json')
    flavor['extra_specs'] = jsonutils.loads(specs) if specs else {}
    flavor['projects'] = sorted(jsonutils.loads(projects) if projects
                                else [])
    return flavor


def _filtered(query, context, is_public, disabled, min_memory_mb,
              min_root_gb):
    """``is_public`` True means public or shared with the caller's
    project; None means either."""
    if is_public is not None:
        public = api.Flavor.is_public == is_public
        if is_public and context.project_id:
            public = sa.or_(public, api.Flavor.projects.any(
                project_id=context.project_id))
        query = query.where(public)
    if disabled is not None:
        query = query.where(api.Flavor.disabled == disabled)
    if min_memory_mb is not None:
        query = query.where(api.Flavor.memory_mb >= min_memory_mb)
    if min_root_gb is not None:
        query = query.where(api.Flavor.root_gb >= min_root_gb)
    return query


def _after(marker, sort_column, sort_dir):
    """Rows after the marker row in (sort key, id) order."""
    later = (sort_column.__gt__ if sort_dir == 'asc'
             else sort_column.__lt__)
    after_id = (api.Flavor.id > marker['id'] if sort_dir == 'asc'
                else api.Flavor.id < marker['id'])
    value = marker[sort_column.key]
    return sa.or_(later(value), sa.and_(sort_column == value, after_id))


def get_all(context, limit, marker=None, sort_key='flavorid',
            sort_dir='asc', **filters):
    """A page of the visible flavors matching ``filters`` (see
    _filtered); MarkerNotFound if the marker is not one of them."""
    sort_column = getattr(api.Flavor, sort_key)
    order = sa.asc if sort_dir == 'asc' else sa.desc
    query = _filtered(_visible(context), context, **filters)
    if marker is not None:
        try:
            marker_row = get(context, marker)
        except exception.FlavorNotFound:
            raise exception.MarkerNotFound(marker=marker)
        query = query.where(_after(marker_row, sort_column, sort_dir))
    query = query.order_by(order(sort_column), order(api.Flavor.id))
    return _read(query.limit(limit))
