"""Make note texts unique.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode lets SQLite, which cannot add a constraint in place, rebuild the table.
    with op.batch_alter_table("notes") as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_notes_text"), ["text"])


def downgrade() -> None:
    with op.batch_alter_table("notes") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_notes_text"), type_="unique")
