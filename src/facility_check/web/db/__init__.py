"""The workbench's store: SQLite through SQLAlchemy, migrated by Alembic."""
