"""edit_targets: the Telegram message a reply's edit_key edits in place (the live session's rest timer)

Revision ID: 0012
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "edit_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("edit_key", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["athlete_id"], ["athletes.id"], name=op.f("fk_edit_targets_athlete_id_athletes"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edit_targets")),
        sa.UniqueConstraint("chat_id", "edit_key", name=op.f("uq_edit_targets_chat_id")),
    )
    op.create_index(op.f("ix_edit_targets_athlete_id"), "edit_targets", ["athlete_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_edit_targets_athlete_id"), table_name="edit_targets")
    op.drop_table("edit_targets")
