"""Alembic environment of the API database (nova_api)."""

from alembic import context

from common.db import api_models
from migrations import _env

_env.run(context, api_models.ApiBase.metadata)
