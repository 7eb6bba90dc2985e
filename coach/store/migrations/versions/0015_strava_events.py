"""strava_events: Strava webhook events stored on receipt, handled once (issue 12)

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "strava_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("object_type", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.BigInteger(), nullable=False),
        sa.Column("aspect_type", sa.String(length=16), nullable=False),
        sa.Column("event_time", sa.BigInteger(), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("updates", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("claim_token", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strava_events")),
        sa.UniqueConstraint(
            "subscription_id",
            "object_id",
            "aspect_type",
            "event_time",
            name=op.f("uq_strava_events_subscription_id"),
        ),
    )
    op.create_index(op.f("ix_strava_events_owner_id"), "strava_events", ["owner_id"], unique=False)
    op.create_index("ix_strava_events_status_due_at", "strava_events", ["status", "due_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_strava_events_status_due_at", table_name="strava_events")
    op.drop_index(op.f("ix_strava_events_owner_id"), table_name="strava_events")
    op.drop_table("strava_events")
