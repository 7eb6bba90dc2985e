"""checkins: mood, illness and the symptoms said (issue 9 item 5: check-ins from words)

Revision ID: 0014
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("checkins") as batch:
        batch.add_column(sa.Column("mood", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("ill", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("ill_below_neck", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("symptoms", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkins") as batch:
        batch.drop_column("symptoms")
        batch.drop_column("ill_below_neck")
        batch.drop_column("ill")
        batch.drop_column("mood")
