"""The strength coach (issue 14): lift_programs, lift_days, lift_sessions, lift_sets, lift_notes

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _athlete_fk() -> sa.Column[int]:
    return sa.Column("athlete_id", sa.Integer(), sa.ForeignKey("athletes.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "lift_programs",
        sa.Column("id", sa.Integer(), primary_key=True),
        _athlete_fk(),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("days_in_phase", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("plate_increment_kg", sa.Float(), nullable=False),
        sa.Column("lift_states", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("athlete_id", name="uq_lift_programs_athlete_id"),
    )
    op.create_table(
        "lift_days",
        sa.Column("id", sa.Integer(), primary_key=True),
        _athlete_fk(),
        sa.Column("label", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("athlete_id", "label", name="uq_lift_days_athlete_id"),
    )
    op.create_index("ix_lift_days_athlete_id", "lift_days", ["athlete_id"])
    op.create_table(
        "lift_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _athlete_fk(),
        sa.Column("open_key", sa.Integer(), nullable=True),
        sa.Column("day_label", sa.String(16), nullable=False),
        sa.Column("day_index", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("paused_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("activity_id", sa.Integer(), sa.ForeignKey("activities.id", ondelete="SET NULL"), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.UniqueConstraint("open_key", name="uq_lift_sessions_open_key"),
    )
    op.create_index("ix_lift_sessions_athlete_id", "lift_sessions", ["athlete_id"])
    op.create_table(
        "lift_sets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("lift_sessions.id", ondelete="CASCADE"), nullable=False),
        _athlete_fk(),
        sa.Column("set_key", sa.String(32), nullable=False),
        sa.Column("day_label", sa.String(16), nullable=False),
        sa.Column("slot_index", sa.Integer(), nullable=False),
        sa.Column("exercise", sa.String(48), nullable=False),
        sa.Column("pattern", sa.String(24), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("prescribed_weight_kg", sa.Float(), nullable=True),
        sa.Column("prescribed_reps", sa.Integer(), nullable=False),
        sa.Column("target_rpe", sa.Float(), nullable=False),
        sa.Column("weight_kg", sa.Float(), nullable=True),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("rpe", sa.Float(), nullable=True),
        sa.Column("pain", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("hours_since_last", sa.Float(), nullable=True),
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("session_id", "set_key", name="uq_lift_sets_session_id"),
    )
    op.create_index("ix_lift_sets_session_id", "lift_sets", ["session_id"])
    op.create_index("ix_lift_sets_athlete_id", "lift_sets", ["athlete_id"])
    op.create_index("ix_lift_sets_day_label", "lift_sets", ["day_label"])
    op.create_table(
        "lift_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        _athlete_fk(),
        sa.Column("exercise", sa.String(48), nullable=False),
        sa.Column("pattern", sa.String(24), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_lift_notes_athlete_id", "lift_notes", ["athlete_id"])
    op.create_index("ix_lift_notes_pattern", "lift_notes", ["pattern"])


def downgrade() -> None:
    for table in ("lift_notes", "lift_sets", "lift_sessions", "lift_days", "lift_programs"):
        op.drop_table(table)
