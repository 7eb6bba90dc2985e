"""plan_weeks.built_minutes / built_load: what a week held before the athlete's reports eased it

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan_weeks") as batch_op:
        batch_op.add_column(sa.Column("built_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("built_load", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plan_weeks") as batch_op:
        batch_op.drop_column("built_load")
        batch_op.drop_column("built_minutes")
