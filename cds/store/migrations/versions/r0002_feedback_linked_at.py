"""feedback.linked_at: when an entry got its card's patient, for replicas polling for it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_feedback_linked_at", ["linked_at"])
    op.execute("UPDATE feedback SET linked_at = received_at WHERE patient_hash IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.drop_index("ix_feedback_linked_at")
        batch.drop_column("linked_at")
