"""Alembic environment of the cell databases (nova, nova_cell0, ...)."""

from alembic import context

from common.db import main_models
from migrations import _env

_env.run(context, main_models.MainBase.metadata)
