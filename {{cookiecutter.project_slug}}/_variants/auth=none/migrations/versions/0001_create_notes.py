"""Create the notes table.

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from {{ cookiecutter.package_name }}.timestamps import utc_now

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A datetime with its offset, stored in UTC (timestamps.py); microseconds on MySQL too.
TIMESTAMP = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("completed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", TIMESTAMP, server_default=utc_now(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, server_default=utc_now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
        sa.UniqueConstraint("text", name=op.f("uq_notes_text")),
    )
    op.create_index(op.f("ix_notes_updated_at"), "notes", ["updated_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notes_updated_at"), table_name="notes")
    op.drop_table("notes")
