"""Archiving soft-deleted rows of a cell database, and purging them.

Deleting an instance only soft-deletes its rows (``deleted = id``), so
the live tables grow forever.  ``nova-manage db archive_deleted_rows``
moves those rows into the ``shadow_<table>`` tables, and ``nova-manage
db purge`` later deletes them from there.

Rows are moved together with everything that refers to them, children
first, so foreign keys hold at every step: archiving an instance also
archives its actions (and their events), faults, metadata, extra,
info cache, block device mappings, migrations, tags and console tokens,
whether or not those rows were soft-deleted themselves (actions never
are; tags and console tokens have no ``deleted`` column at all).

Every batch selects the primary keys first and then copies and deletes
exactly those rows in one transaction, so a row written concurrently is
never deleted without having been copied.
"""

import collections
import datetime
import functools

import sqlalchemy as sa

from common.db import engines
from common.db import main_models

# References without a foreign key: (child table, column) -> (parent
# table, column).  Nova keeps these rows only while the instance lives.
_LOGICAL_PARENTS = {
    ('tags', 'resource_id'): ('instances', 'uuid'),
    ('console_auth_tokens', 'instance_uuid'): ('instances', 'uuid'),
}

# Rows that are never soft-deleted: which timestamp says how old they are.
_AGE_COLUMNS = {'task_log': 'updated_at'}

# Bound the number of values in one IN (...), for SQLite's variable limit.
_CHUNK = 500


def _naive_utc(when):
    """Timestamps are stored as naive UTC; accept aware datetimes too."""
    if when is not None and when.tzinfo is not None:
        when = when.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return when


def _chunks(values):
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


@functools.cache
def _tables():
    return {t.name: t for t in main_models.live_tables()}


@functools.cache
def _children(name):
    """(child table, child column, parent column) referring to ``name``."""
    found = []
    for table in main_models.live_tables():
        for fk in table.foreign_keys:
            if fk.column.table.name == name:
                found.append((table, fk.parent.name, fk.column.name))
    tables = _tables()
    for (child, column), (parent, parent_column) in _LOGICAL_PARENTS.items():
        if parent == name:
            found.append((tables[child], column, parent_column))
    return found


@functools.cache
def _parents(name):
    """(column, parent table name, parent column) of table ``name``."""
    table = _tables()[name]
    found = [(fk.parent.name, fk.column.table.name, fk.column.name)
             for fk in table.foreign_keys]
    for (child, column), (parent, parent_column) in _LOGICAL_PARENTS.items():
        if child == name:
            found.append((column, parent, parent_column))
    return found


@functools.cache
def _children_first():
    """Live table names, each after every table that refers to it."""
    order = []

    def visit(name):
        if name in order:
            return
        for child, _column, _parent_column in _children(name):
            visit(child.name)
        order.append(name)

    for table in main_models.live_tables():
        visit(table.name)
    return tuple(order)


# --- archive ----------------------------------------------------------------

def _pk_columns(table):
    return list(table.primary_key.columns)


def _key_filter(table, keys):
    """WHERE the primary key is one of ``keys`` (values or tuples)."""
    pk = _pk_columns(table)
    if len(pk) == 1:
        return pk[0].in_(keys)
    return sa.tuple_(*pk).in_(keys)


def _select_keys(conn, table, where, limit=None):
    pk = _pk_columns(table)
    query = sa.select(*pk).where(where).order_by(*pk)
    if limit is not None:
        query = query.limit(limit)
    rows = conn.execute(query).all()
    return [row[0] if len(pk) == 1 else tuple(row) for row in rows]


def _copy_and_delete(conn, table, keys):
    """INSERT ... SELECT into the shadow table, then DELETE; row count."""
    shadow = main_models.shadow_table(table.name)
    names = [c.name for c in table.columns]
    moved = 0
    for chunk in _chunks(keys):
        where = _key_filter(table, chunk)
        conn.execute(sa.insert(shadow).from_select(
            names, sa.select(*[table.c[n] for n in names]).where(where)))
        moved += conn.execute(sa.delete(table).where(where)).rowcount
    return moved


def _move(conn, table, keys, counts, instance_uuids):
    """Move the rows ``keys`` of ``table`` and, first, their dependents."""
    for child, column, parent_column in _children(table.name):
        values = []
        for chunk in _chunks(keys):
            values.extend(v for v in conn.scalars(
                sa.select(table.c[parent_column]).where(
                    _key_filter(table, chunk))) if v is not None)
        child_keys = []
        for chunk in _chunks(values):
            child_keys.extend(_select_keys(
                conn, child, child.c[column].in_(chunk)))
        if child_keys:
            _move(conn, child, child_keys, counts, instance_uuids)
    if table.name == 'instances':
        for chunk in _chunks(keys):
            instance_uuids.extend(conn.scalars(sa.select(table.c.uuid).where(
                _key_filter(table, chunk))))
    counts[table.name] += _copy_and_delete(conn, table, keys)


def _archivable(table, before, task_log):
    """Which rows of ``table`` to archive for their own sake, or None."""
    conditions = []
    if 'deleted' in table.c:
        cond = table.c.deleted != 0
        if before is not None:
            cond = sa.and_(cond, table.c.deleted_at < before)
        conditions.append(cond)
    if task_log and table.name == 'task_log':
        age = table.c[_AGE_COLUMNS['task_log']]
        conditions.append(age < before if before is not None else sa.true())
    return sa.or_(*conditions) if conditions else None


def archive_deleted_rows(url, max_rows=1000, before=None, task_log=False):
    """Move soft-deleted rows of the cell database at ``url`` to shadows.

    Up to ``max_rows`` rows are selected, table by table, children
    before parents; only rows deleted before ``before`` (a datetime,
    naive UTC or aware) when it is given.  Rows that depend on a
    selected row move with it and count too, so one call may move a few
    more than ``max_rows``.  ``task_log`` also moves task_log rows (never
    deleted) last updated before ``before``, or all of them.

    Returns ``(rows per table, uuids of archived instances, total)``;
    the caller removes those instances' mappings and request specs from
    the API database.  The per-table dict only lists tables with rows.
    """
    before = _naive_utc(before)
    engine = engines.get_engine(url)
    counts = collections.Counter()
    instance_uuids = []
    total = 0
    tables = _tables()
    for name in _children_first():
        table = tables[name]
        if total >= max_rows:
            break
        where = _archivable(table, before, task_log)
        if where is None:
            continue
        with engine.begin() as conn:
            keys = _select_keys(conn, table, where, limit=max_rows - total)
            if not keys:
                continue
            batch = collections.Counter()
            _move(conn, table, keys, batch, instance_uuids)
        counts.update(batch)
        total += sum(batch.values())
    return ({name: n for name, n in counts.items() if n > 0},
            instance_uuids, total)


# --- purge ------------------------------------------------------------------

def _of_old_instance(name, before):
    """A condition on ``shadow_<name>``: its instance was deleted before.

    Rows reach their instance through foreign keys or the logical links
    above, possibly in several hops (event -> action -> instance); all
    of them are looked up in the shadow tables.  None when the table
    has no path to an instance.
    """
    shadow = main_models.shadow_table(name)
    if name == 'instances':
        return shadow.c.deleted_at < before
    conditions = []
    for column, parent, parent_column in _parents(name):
        parent_cond = _of_old_instance(parent, before)
        if parent_cond is None:
            continue
        parent_shadow = main_models.shadow_table(parent)
        conditions.append(shadow.c[column].in_(
            sa.select(parent_shadow.c[parent_column]).where(parent_cond)))
    return sa.or_(*conditions) if conditions else None


def _purgeable(name, before):
    """Which rows of ``shadow_<name>`` to purge; None for none of them."""
    shadow = main_models.shadow_table(name)
    if before is None:
        return sa.true()
    if name in _AGE_COLUMNS:
        return shadow.c[_AGE_COLUMNS[name]] < before
    conditions = []
    if 'deleted_at' in shadow.c:
        conditions.append(shadow.c.deleted_at < before)
    # Rows archived with their instance may never have been deleted
    # themselves (actions, tags, console tokens): their instance's
    # deletion time decides.
    linked = _of_old_instance(name, before)
    if linked is not None and name != 'instances':
        conditions.append(linked)
    return sa.or_(*conditions) if conditions else None


def purge_shadow_tables(url, before=None):
    """Delete archived rows from the shadow tables of the cell at ``url``.

    All of them when ``before`` is None; otherwise those deleted before
    it (``deleted_at``), or, for rows that never were deleted
    themselves, those whose instance was.  Children are purged before
    ``shadow_instances`` since that is where their age is read.  Returns
    the number of rows deleted.
    """
    before = _naive_utc(before)
    engine = engines.get_engine(url)
    deleted = 0
    for name in _children_first():
        where = _purgeable(name, before)
        if where is None:
            continue
        shadow = main_models.shadow_table(name)
        with engine.begin() as conn:
            deleted += conn.execute(sa.delete(shadow).where(where)).rowcount
    return deleted
