"""SQL functions that fold a group of rows into one JSON document.

A server's metadata or a flavor's extra specs read as one column of
the owner's row: pymysql spends more on each row it reads than the
server does on the aggregate.  MySQL 5.7.22+, MariaDB 10.5+ (its length
is bounded by group_concat_max_len, which ``common.db.engines`` lifts)
and SQLite's JSON1 have them under different names.
"""

import sqlalchemy as sa
from sqlalchemy.ext import compiler


class _JsonAggregate(sa.sql.expression.FunctionElement):
    type = sa.Text()
    inherit_cache = True


class JsonObject(_JsonAggregate):
    """{key: value} of the group's rows (NULL, or '{}' on SQLite, for
    none)."""

    inherit_cache = True
    names = {'mysql': 'JSON_OBJECTAGG', 'mariadb': 'JSON_OBJECTAGG',
             'sqlite': 'json_group_object'}


class JsonArray(_JsonAggregate):
    """[value, ...] of the group's rows (NULL, or '[]' on SQLite, for
    none)."""

    inherit_cache = True
    names = {'mysql': 'JSON_ARRAYAGG', 'mariadb': 'JSON_ARRAYAGG',
             'sqlite': 'json_group_array'}


@compiler.compiles(_JsonAggregate)
def _json_aggregate(element, sql_compiler, **kw):
    return '%s(%s)' % (element.names[sql_compiler.dialect.name],
                       sql_compiler.process(element.clauses, **kw))
