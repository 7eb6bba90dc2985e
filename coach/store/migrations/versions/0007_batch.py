"""batch_runs, batch_items, weekly_due: the weekly batch (idempotent per athlete and week) and its indexed schedule

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batch_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("review", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("already", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("duration_s_total", sa.Float(), nullable=False),
        sa.Column("duration_s_max", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_runs")),
    )
    op.create_index(op.f("ix_batch_runs_week_start"), "batch_runs", ["week_start"])
    op.create_table(
        "batch_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("outbox_key", sa.String(length=200), nullable=True),
        sa.Column("composed", sa.JSON(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["athlete_id"], ["athletes.id"], name=op.f("fk_batch_items_athlete_id_athletes"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["batch_runs.id"], name=op.f("fk_batch_items_run_id_batch_runs"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_items")),
        sa.UniqueConstraint("athlete_id", "week_start", name=op.f("uq_batch_items_athlete_id")),
    )
    op.create_index(op.f("ix_batch_items_athlete_id"), "batch_items", ["athlete_id"])
    op.create_index(op.f("ix_batch_items_run_id"), "batch_items", ["run_id"])
    op.create_table(
        "weekly_due",
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("next_due_at", sa.DateTime(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["athlete_id"], ["athletes.id"], name=op.f("fk_weekly_due_athlete_id_athletes"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("athlete_id", name=op.f("pk_weekly_due")),
    )
    op.create_index(op.f("ix_weekly_due_next_due_at"), "weekly_due", ["next_due_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_weekly_due_next_due_at"), table_name="weekly_due")
    op.drop_table("weekly_due")
    op.drop_index(op.f("ix_batch_items_run_id"), table_name="batch_items")
    op.drop_index(op.f("ix_batch_items_athlete_id"), table_name="batch_items")
    op.drop_table("batch_items")
    op.drop_index(op.f("ix_batch_runs_week_start"), table_name="batch_runs")
    op.drop_table("batch_runs")
