"""Issued cards and their suggestions, feedback, call audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_FEEDBACK_LIMITS = {
    "card_uuid": 128,
    "accepted_suggestions": 8192,
    "override_system": 1024,
    "override_code": 256,
    "override_display": 1024,
    "user_comment": 4096,
}


def upgrade() -> None:
    op.create_table(
        "issued_card",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("card_uuid", sa.String(64), nullable=False, unique=True),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("hook_instance", sa.String, nullable=False),
        sa.Column("patient_hash", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("joints", sa.String, nullable=False),
        sa.Column("side", sa.String(16), nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.Column("indicator", sa.String(16), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_issued_card_patient_topic", "issued_card", ["patient_hash", "topic"])
    op.create_index("ix_issued_card_issued_at", "issued_card", ["issued_at"])

    op.create_table(
        "issued_suggestion",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("card_uuid", sa.String(64), nullable=False),
        sa.Column("suggestion_uuid", sa.String(64), nullable=False),
        sa.Column("label", sa.String, nullable=False),
        sa.Column("code_system", sa.String, nullable=True),
        sa.Column("code", sa.String(64), nullable=True),
        sa.UniqueConstraint("card_uuid", "suggestion_uuid", name="uq_issued_suggestion"),
    )
    op.create_index("ix_issued_suggestion_card_uuid", "issued_suggestion", ["card_uuid"])

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("entry_key", sa.String(64), nullable=False, unique=True),
        sa.Column("card_uuid", sa.Text, nullable=False),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("known_card", sa.Boolean, nullable=False),
        sa.Column("patient_hash", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("accepted_suggestions", sa.Text, nullable=False),
        sa.Column("override_system", sa.Text, nullable=True),
        sa.Column("override_code", sa.Text, nullable=True),
        sa.Column("override_display", sa.Text, nullable=True),
        sa.Column("user_comment", sa.Text, nullable=True),
        sa.Column("outcome_timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("outcome IN ('accepted', 'overridden')", name="outcome_known"),
        *(
            sa.CheckConstraint(f"length({name}) <= {limit}", name=f"{name}_length")
            for name, limit in _FEEDBACK_LIMITS.items()
        ),
    )
    op.create_index("ix_feedback_card_uuid", "feedback", ["card_uuid"])
    op.create_index("ix_feedback_patient_hash", "feedback", ["patient_hash"])

    op.create_table(
        "call_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("hook_instance", sa.String, nullable=False),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("topics", sa.String, nullable=False),
        sa.Column("card_count", sa.Integer, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("http_status", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_call_audit_at", "call_audit", ["at"])


def downgrade() -> None:
    for table in ("call_audit", "feedback", "issued_suggestion", "issued_card"):
        op.drop_table(table)
