"""What both alembic environments do; each ``env.py`` names its metadata.

``common.db.migration`` hands an open connection in through
``config.attributes['connection']``, so a database URL never passes
through configparser (which would choke on a ``%`` in a password).
Developers running the ``alembic`` command give the URL with
``-x url=...`` instead (see ``migrations/README.md``).
"""

from logging import config as logging_config

import sqlalchemy as sa


def run(context, metadata):
    """Run the migrations of ``context`` against ``metadata``'s schema."""
    config = context.config
    connection = config.attributes.get('connection')
    if connection is None and config.config_file_name:
        # Only the alembic command line configures logging from the ini
        # file; a service calling db_sync keeps its own logging set-up.
        logging_config.fileConfig(config.config_file_name,
                                  disable_existing_loggers=False)
    options = {
        'target_metadata': metadata,
        # Batch mode lets one revision ALTER tables on SQLite (by copying
        # them) and on MySQL alike.
        'render_as_batch': True,
        'compare_type': True,
    }
    if context.is_offline_mode():
        context.configure(url=_url(context), literal_binds=True,
                          dialect_opts={'paramstyle': 'named'}, **options)
        with context.begin_transaction():
            context.run_migrations()
    elif connection is not None:
        _run_online(context, connection, options)
    else:
        engine = sa.create_engine(_url(context), poolclass=sa.pool.NullPool)
        try:
            with engine.begin() as conn:
                _run_online(context, conn, options)
        finally:
            engine.dispose()


def _run_online(context, connection, options):
    context.configure(connection=connection, **options)
    with context.begin_transaction():
        context.run_migrations()


def _url(context):
    url = context.get_x_argument(as_dictionary=True).get('url')
    if not url:
        raise SystemExit(
            'No database given: run alembic with -x url=<SQLAlchemy URL>, '
            'e.g. -x url=sqlite:////tmp/nova.db (see migrations/README.md).')
    return url
