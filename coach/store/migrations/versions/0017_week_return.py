"""plan_weeks.return_fraction: a week of the return after a break (issue 10)

A break that costs fitness (guardrails ``adapt.detrain_lost_weeks``) is followed by a return
period at fractions of the weeks' built volume (``adapt.break_return_fractions``); the fraction
is kept per week so the validator reads those weeks as built and the plan after them stands.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan_weeks") as batch_op:
        batch_op.add_column(sa.Column("return_fraction", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plan_weeks") as batch_op:
        batch_op.drop_column("return_fraction")
