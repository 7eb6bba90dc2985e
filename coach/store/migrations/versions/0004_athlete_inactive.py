"""athletes.inactive_since / inactive_reason: an athlete Telegram can't reach (they blocked the bot)

No scheduled sends while set; cleared when they write again.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("athletes") as batch_op:
        batch_op.add_column(sa.Column("inactive_since", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("inactive_reason", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("athletes") as batch_op:
        batch_op.drop_column("inactive_reason")
        batch_op.drop_column("inactive_since")
