"""Callers apart: issued_card.caller and feedback.caller; seen_token for replayed JWTs.

Rows stored before callers were told apart are carried over to the caller `local` (an
unauthenticated call without `fhirServer`); feedback not yet linked to a card keeps no caller
and takes its card's when linked.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

CARRIED_OVER = "local"


def upgrade() -> None:
    with op.batch_alter_table("issued_card") as batch:
        batch.add_column(
            sa.Column("caller", sa.String(256), nullable=False, server_default=CARRIED_OVER)
        )
    with op.batch_alter_table("issued_card") as batch:
        batch.alter_column("caller", server_default=None)
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("caller", sa.String(256), nullable=True))
        batch.create_index("ix_feedback_caller", ["caller"])
        batch.create_index("ix_feedback_received_at", ["received_at"])
    op.execute(
        sa.text("UPDATE feedback SET caller = :caller WHERE patient_hash IS NOT NULL").bindparams(
            caller=CARRIED_OVER
        )
    )
    op.create_table(
        "seen_token",
        sa.Column("token_key", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_seen_token_expires_at", "seen_token", ["expires_at"])


def downgrade() -> None:
    op.drop_table("seen_token")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_index("ix_feedback_received_at")
        batch.drop_index("ix_feedback_caller")
        batch.drop_column("caller")
    with op.batch_alter_table("issued_card") as batch:
        batch.drop_column("caller")
