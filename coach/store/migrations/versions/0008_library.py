"""library_workouts, library_activity_structures: the athlete's own workout library (issue 12)

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "library_workouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sport", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.Column("last_seen", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["athlete_id"], ["athletes.id"], name=op.f("fk_library_workouts_athlete_id_athletes"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_workouts")),
        sa.UniqueConstraint("athlete_id", "key", name="uq_library_workouts_athlete_key"),
    )
    op.create_index(op.f("ix_library_workouts_athlete_id"), "library_workouts", ["athlete_id"])
    op.create_table(
        "library_activity_structures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=128), nullable=False),
        sa.Column("sport", sa.String(length=16), nullable=False),
        sa.Column("start_time", sa.DateTime(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"], ["athletes.id"], name=op.f("fk_library_activity_structures_athlete_id_athletes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_activity_structures")),
        sa.UniqueConstraint("athlete_id", "fingerprint", name="uq_library_activity_structures_athlete_fp"),
    )
    op.create_index(op.f("ix_library_activity_structures_athlete_id"), "library_activity_structures", ["athlete_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_library_activity_structures_athlete_id"), table_name="library_activity_structures")
    op.drop_table("library_activity_structures")
    op.drop_index(op.f("ix_library_workouts_athlete_id"), table_name="library_workouts")
    op.drop_table("library_workouts")
