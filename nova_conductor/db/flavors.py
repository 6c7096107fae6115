"""Writes to the flavor tables of the API database: ``flavors``, their
``flavor_extra_specs`` and the ``flavor_projects`` of private flavors.

Flavors are addressed by ``flavorid``, the id users see in the API, not
by the table's integer key.  The API validates the request body; the
rules kept here are the ones Nova applies when a flavor is created
(whatever the caller), so no malformed flavor is ever stored.
"""

import unicodedata

from oslo_utils import strutils
from oslo_utils import uuidutils
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from common import exception
from common.db import api_models as api

# Nova's db.MAX_INT: the largest value of a signed 32-bit INT column.
MAX_INT = 0x7FFFFFFF
# Nova's db.SQL_SP_FLOAT_MAX: the largest single-precision FLOAT.
SQL_SP_FLOAT_MAX = 3.40282e+38

# Column -> (name the API user knows, smallest value accepted).
_SIZES = {
    'memory_mb': ('ram', 1),
    'vcpus': ('vcpus', 1),
    'root_gb': ('disk', 0),
    'ephemeral_gb': ('ephemeral', 0),
    'swap': ('swap', 0),
}


def create(session, name, memory_mb, vcpus, root_gb, ephemeral_gb=0,
           flavorid=None, swap=0, rxtx_factor=1.0, is_public=True,
           description=None):
    """Store a new flavor; ``flavorid`` defaults to a new uuid.

    Both the name and the flavorid must be unused: the unique
    constraints decide, so two concurrent creates cannot both win.
    """
    flavor = api.Flavor(
        name=_name(name),
        **_sizes(memory_mb=memory_mb, vcpus=vcpus, root_gb=root_gb,
                 ephemeral_gb=ephemeral_gb, swap=swap),
        rxtx_factor=_rxtx_factor(rxtx_factor),
        is_public=_boolean(is_public, 'is_public'),
        flavorid=(uuidutils.generate_uuid() if flavorid in (None, '')
                  else str(flavorid)),
        description=description)
    session.add(flavor)
    try:
        session.flush()
    except sa_exc.IntegrityError as e:
        if _names_flavorid(e):
            raise exception.FlavorIdExists(flavor_id=flavor.flavorid)
        raise exception.FlavorExists(name=flavor.name)
    return flavor.as_dict()


def _names_flavorid(error):
    """Whether the violated unique key is the flavorid's.

    The driver's message ends with the key: "... flavors.flavorid" on
    SQLite, "... for key 'flavors.uniq_flavors0flavorid'" on MySQL;
    the duplicated value comes earlier, so it cannot mislead.
    """
    return str(error.orig).rstrip('\'")').endswith('flavorid')


def _invalid(reason):
    return exception.InvalidInput(reason=reason)


def _name(name):
    """Nova's flavor name: stripped, 1-255 printable characters."""
    if not isinstance(name, str):
        raise _invalid('name is not a string or unicode')
    name = name.strip()
    if not name:
        raise _invalid('name has a minimum character requirement of 1.')
    if len(name) > 255:
        raise _invalid('name has more than 255 characters.')
    if not all(c.isprintable() or unicodedata.category(c) == 'Zs'
               for c in name):
        raise _invalid('Flavor names can only contain printable characters '
                       'and horizontal spaces.')
    return name


def _sizes(**columns):
    """Whole numbers within Nova's bounds, named as the API names them
    in the error."""
    sizes = {}
    for column, value in columns.items():
        api_name, minimum = _SIZES[column]
        try:
            sizes[column] = strutils.validate_integer(
                value, api_name, minimum, MAX_INT)
        except ValueError as e:
            raise _invalid(str(e))
    return sizes


def _rxtx_factor(value):
    try:
        value = float(value)
    except (TypeError, ValueError):
        value = 0.0
    if not 0 < value <= SQL_SP_FLOAT_MAX:
        raise _invalid("'rxtx_factor' argument must be a float between 0 "
                       "and %g" % SQL_SP_FLOAT_MAX)
    return value


def _boolean(value, name):
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError:
        raise _invalid('%s must be a boolean' % name)


def _get(session, flavorid):
    """The flavor, locked so concurrent changes to it queue up."""
    flavor = session.scalars(
        sa.select(api.Flavor).where(api.Flavor.flavorid == flavorid)
        .with_for_update()).first()
    if flavor is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    return flavor


def update_description(session, flavorid, description):
    """The one thing of a flavor that may change (microversion 2.55):
    sizes are copied into every instance, so changing them would lie."""
    flavor = _get(session, flavorid)
    flavor.description = description
    session.flush()
    return flavor.as_dict()


def destroy(session, flavorid):
    """Delete the flavor with its extra specs and project access.

    API database rows are deleted for real; instances keep their own
    copy of the flavor, so they are unaffected.  Returns the deleted
    flavor.
    """
    flavor = _get(session, flavorid)
    deleted = flavor.as_dict()
    session.delete(flavor)
    session.flush()
    return deleted


def update_extra_specs(session, flavorid, extra_specs):
    """Create or overwrite the given keys, keeping the others.

    Serves both ``POST os-extra_specs`` (several keys) and ``PUT
    os-extra_specs/{key}`` (one).  Returns all the flavor's specs.
    """
    flavor = _get(session, flavorid)
    current = {spec.key: spec for spec in flavor.extra_specs}
    for key, value in extra_specs.items():
        if key in current:
            current[key].value = value
        else:
            flavor.extra_specs.append(
                api.FlavorExtraSpec(key=key, value=value))
    session.flush()
    return flavor.as_dict()['extra_specs']


def delete_extra_spec(session, flavorid, key):
    """Remove one key; returns the specs that remain."""
    flavor = _get(session, flavorid)
    spec = next((s for s in flavor.extra_specs if s.key == key), None)
    if spec is None:
        raise exception.FlavorExtraSpecsNotFound(
            flavor_id=flavorid, extra_specs_key=key)
    flavor.extra_specs.remove(spec)
    session.flush()
    return flavor.as_dict()['extra_specs']


def add_access(session, flavorid, project_id, allow_public=False):
    """Let ``project_id`` use a private flavor; returns its projects.

    Access to a public flavor means nothing, so it is refused, as Nova
    does from microversion 2.7 on; ``allow_public`` is for older
    microversions, which stored it anyway.
    """
    flavor = _get(session, flavorid)
    if flavor.is_public and not allow_public:
        raise exception.FlavorIsPublic()
    if any(p.project_id == project_id for p in flavor.projects):
        raise exception.FlavorAccessExists(flavor_id=flavorid,
                                           project_id=project_id)
    flavor.projects.append(api.FlavorProject(project_id=project_id))
    session.flush()
    return flavor.as_dict()['projects']


def remove_access(session, flavorid, project_id):
    """Withdraw ``project_id``'s access; returns the remaining projects."""
    flavor = _get(session, flavorid)
    access = next((p for p in flavor.projects
                   if p.project_id == project_id), None)
    if access is None:
        raise exception.FlavorAccessNotFound(flavor_id=flavorid,
                                             project_id=project_id)
    flavor.projects.remove(access)
    session.flush()
    return flavor.as_dict()['projects']
