"""outbox_pictures: each outbox picture stored once, keyed by the SHA-256 of its bytes (issue 15)

The outbox rows' payloads name their picture (``document.sha256``) instead of holding its bytes as
hex, and ``outbox.picture_sha256`` references it. Existing rows are converted: their pictures move
into ``outbox_pictures`` (downgrade puts them back into the payloads).

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_outbox = sa.table(
    "outbox",
    sa.column("id", sa.Integer()),
    sa.column("payload", sa.JSON()),
    sa.column("picture_sha256", sa.String(64)),
)
_pictures = sa.table(
    "outbox_pictures",
    sa.column("sha256", sa.String(64)),
    sa.column("data", sa.LargeBinary()),
    sa.column("created_at", sa.DateTime()),
)


def upgrade() -> None:
    op.create_table(
        "outbox_pictures",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_outbox_pictures")),
    )
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("picture_sha256", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_picture_sha256"), ["picture_sha256"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_picture_sha256_outbox_pictures"),
            "outbox_pictures",
            ["picture_sha256"],
            ["sha256"],
        )
    conn = op.get_bind()
    stored: set[str] = set()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for row_id, payload in _rows_with(conn, '%"data_hex"%'):
        document = payload.get("document")
        if not isinstance(document, dict) or "data_hex" not in document:
            continue
        data = bytes.fromhex(str(document["data_hex"]))
        sha = hashlib.sha256(data).hexdigest()
        if (
            sha not in stored
            and conn.execute(sa.select(_pictures.c.sha256).where(_pictures.c.sha256 == sha)).first() is None
        ):
            conn.execute(_pictures.insert().values(sha256=sha, data=data, created_at=now))
        stored.add(sha)
        reference = {"file_name": document["file_name"], "mime_type": document["mime_type"], "sha256": sha}
        conn.execute(
            _outbox.update()
            .where(_outbox.c.id == row_id)
            .values(payload={**payload, "document": reference}, picture_sha256=sha)
        )


def downgrade() -> None:
    conn = op.get_bind()
    pictures = dict(conn.execute(sa.select(_pictures.c.sha256, _pictures.c.data)).tuples().all())
    for row_id, payload in _rows_with(conn, '%"sha256"%'):
        document = payload.get("document")
        if not isinstance(document, dict) or "sha256" not in document or document["sha256"] not in pictures:
            continue
        inline = {
            "file_name": document["file_name"],
            "mime_type": document["mime_type"],
            "data_hex": pictures[document["sha256"]].hex(),
        }
        conn.execute(
            _outbox.update().where(_outbox.c.id == row_id).values(payload={**payload, "document": inline})
        )
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbox_picture_sha256_outbox_pictures"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_outbox_picture_sha256"))
        batch_op.drop_column("picture_sha256")
    op.drop_table("outbox_pictures")


def _rows_with(conn: sa.Connection, pattern: str) -> list[tuple[int, dict[str, Any]]]:
    """The outbox rows whose payload's JSON text matches ``pattern`` (the pictures among them are checked one by one)."""
    query = (
        sa.select(_outbox.c.id, _outbox.c.payload)
        .where(sa.cast(_outbox.c.payload, sa.Text).like(pattern))
        .order_by(_outbox.c.id)
    )
    return [
        (row_id, payload) for row_id, payload in conn.execute(query).tuples() if isinstance(payload, dict)
    ]
