"""web_tokens: one-time login links of the Mini App (``coach web --login``) and their sessions

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=True),
        sa.Column("coach_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["athlete_id"], ["athletes.id"], name=op.f("fk_web_tokens_athlete_id_athletes"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["coach_id"], ["coaches.id"], name=op.f("fk_web_tokens_coach_id_coaches"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_tokens")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_web_tokens_token_sha256")),
    )
    op.create_index(op.f("ix_web_tokens_athlete_id"), "web_tokens", ["athlete_id"], unique=False)
    op.create_index(op.f("ix_web_tokens_coach_id"), "web_tokens", ["coach_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_web_tokens_coach_id"), table_name="web_tokens")
    op.drop_index(op.f("ix_web_tokens_athlete_id"), table_name="web_tokens")
    op.drop_table("web_tokens")
