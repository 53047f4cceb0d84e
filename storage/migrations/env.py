"""Alembic environment: runs migrations on the engine handed over by ``storage.db``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from storage.models import metadata

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # the alembic command line: ``alembic -x url=... revision --autogenerate``
    engine = create_engine(context.get_x_argument(as_dictionary=True)["url"])

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
