"""Configuration from `CDS_*` environment variables (see the README's table)."""

from datetime import datetime, timedelta
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MiB = 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CDS_", frozen=True, extra="ignore")

    database_url: str = "sqlite:///var/cds.sqlite3"
    trusted_issuers: str | None = None
    """Unset: open mode (no JWT), for loopback only unless `allow_unauthenticated`."""
    allow_unauthenticated: bool = False
    """Lets `cds serve` bind beyond loopback without trusted issuers: anyone may call."""
    public_base_url: str | None = None
    allowed_fhir_servers: str | None = None
    cors_origins: str = ""
    log_level: str = "INFO"

    fetch_budget_seconds: float = Field(3.0, gt=0)
    max_body_bytes: int = Field(5 * MiB, gt=0)
    body_timeout_seconds: float = Field(10.0, gt=0)
    max_pages: int = Field(10, ge=1)
    max_resources_per_prefetch: int = Field(10_000, ge=1)
    max_concurrent_fetches: int = Field(5, ge=1)
    max_fhir_response_bytes: int = Field(32 * MiB, gt=0)
    """Largest FHIR response body, once decompressed (a 412 above)."""
    max_token_lifetime_seconds: int = Field(600, gt=0)
    """A client JWT's `exp` may be at most this far ahead, its `iat` at most this far back."""
    retention_days: int = Field(400, ge=1)
    """Issued cards, feedback and audit rows older than this are deleted."""
    suppression_days: int = Field(30, ge=0)
    feedback_sync_seconds: float = Field(1.0, gt=0)
    """How often each process polls for the patients other processes stored feedback on."""
    patient_hash_key: str = ""
    """Key of the patient-id hash in logs and the store; replicas sharing a database share it."""
    now: datetime | None = None
    """Freezes the service's clock: for tests and clinical review of the fixtures only."""
    demo: bool = False
    """Serve the fixture patients under /demo/fhir (read-only) and the card preview page."""
    fixtures_dir: Path = Path("fixtures")
    """Where the demo and the preview read the scenarios (relative to the working directory)."""

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @property
    def open_mode(self) -> bool:
        """No trusted issuer configured at all (`{}` is not open: it trusts no one)."""
        return self.trusted_issuers is None or not self.trusted_issuers.strip()

    @property
    def retention_period(self) -> timedelta:
        return timedelta(days=self.retention_days)

    @property
    def suppression_period(self) -> timedelta:
        return timedelta(days=self.suppression_days)
