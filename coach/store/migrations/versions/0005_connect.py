"""connections, synced_items: outside accounts (Intervals.icu) with encrypted keys, and what was synced

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("external_athlete_id", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_pull_at", sa.DateTime(), nullable=True),
        sa.Column("pulled_through", sa.Date(), nullable=True),
        sa.Column("last_push_at", sa.DateTime(), nullable=True),
        sa.Column("pushed_plan_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["athlete_id"], ["athletes.id"], name=op.f("fk_connections_athlete_id_athletes"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
        sa.UniqueConstraint("athlete_id", "provider", name=op.f("uq_connections_athlete_id")),
    )
    op.create_index(op.f("ix_connections_athlete_id"), "connections", ["athlete_id"], unique=False)
    op.create_table(
        "synced_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("remote_id", sa.String(length=64), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], name=op.f("fk_synced_items_activity_id_activities"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["athlete_id"], ["athletes.id"], name=op.f("fk_synced_items_athlete_id_athletes"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_synced_items")),
        sa.UniqueConstraint("athlete_id", "provider", "kind", "external_id", name=op.f("uq_synced_items_athlete_id")),
    )
    op.create_index(op.f("ix_synced_items_athlete_id"), "synced_items", ["athlete_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_synced_items_athlete_id"), table_name="synced_items")
    op.drop_table("synced_items")
    op.drop_index(op.f("ix_connections_athlete_id"), table_name="connections")
    op.drop_table("connections")
