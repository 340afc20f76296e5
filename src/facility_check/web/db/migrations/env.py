"""Alembic environment: the metadata comes from ``db.models``; the connection from the caller
(``session.migrate``), or the URL given to Alembic's command line."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from facility_check.web.db.models import Base

config = context.config
target_metadata = Base.metadata

connection = config.attributes.get("connection")
if connection is not None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
