"""Every table module, imported so that the metadata knows the whole schema (for Alembic and tests)."""

from __future__ import annotations

from sqlmodel import SQLModel

from storage import (
    appeal_models,
    cycle_models,
    interviews,
    models,
    outbox,
    review_models,
    scoring_models,
    updates,
)

TABLE_MODULES = (
    models,
    cycle_models,
    outbox,
    updates,
    scoring_models,
    appeal_models,
    interviews,
    review_models,
)
metadata = SQLModel.metadata
