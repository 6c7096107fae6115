"""Writes to the quota limits of the API database: ``quotas`` (per
project), ``project_user_quotas`` (per user within a project) and
``quota_classes`` (the deployment's defaults, class 'default').

A limit is stored as given, -1 meaning unlimited.  A resource without a
row falls back to the next level (user -> project -> class -> the
``[quota]`` options); the API merges them when it shows quotas and
checks the values (range, not below usage) before asking for a write.
"""

import sqlalchemy as sa

from common.db import api_models as api


def update_project(session, project_id, limits):
    """Set a project's limits, {resource: hard_limit}; others are kept.

    Returns every limit the project has of its own.
    """
    return _update(session, api.Quota,
                   {'project_id': project_id}, limits)


def update_user(session, project_id, user_id, limits):
    """Set a user's limits inside a project; returns all of the user's.
    """
    return _update(session, api.ProjectUserQuota,
                   {'project_id': project_id, 'user_id': user_id}, limits)


def update_class(session, class_name, limits):
    """Set a quota class's limits; returns all of the class's."""
    return _update(session, api.QuotaClass,
                   {'class_name': class_name}, limits)


def _update(session, model, owner, limits):
    """Create or overwrite ``owner``'s row of each resource in ``limits``.

    The existing rows are locked, so concurrent updates of one owner
    apply one after the other.
    """
    rows = {row.resource: row for row in session.scalars(
        _owned(sa.select(model), model, owner).with_for_update())}
    for resource, hard_limit in limits.items():
        if resource in rows:
            rows[resource].hard_limit = hard_limit
        else:
            rows[resource] = model(resource=resource, hard_limit=hard_limit,
                                   **owner)
            session.add(rows[resource])
    session.flush()
    return {resource: row.hard_limit for resource, row in rows.items()}


def _owned(statement, model, owner):
    return statement.where(*(getattr(model, column) == value
                             for column, value in owner.items()))


def destroy_project(session, project_id):
    """Revert a project, and each of its users, to the defaults."""
    for model in (api.Quota, api.ProjectUserQuota):
        session.execute(_owned(sa.delete(model), model,
                               {'project_id': project_id}))


def destroy_user(session, project_id, user_id):
    """Revert one user of a project to the project's limits."""
    session.execute(_owned(
        sa.delete(api.ProjectUserQuota), api.ProjectUserQuota,
        {'project_id': project_id, 'user_id': user_id}))
