"""Settings from the environment (``COBRO_*`` and a few well-known names such as DATABASE_URL)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

VAR_DIR = Path("var")


def _dev_secret() -> str:
    """A per-checkout secret kept under var/, so tokens survive restarts in development."""
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COBRO_", extra="ignore")

    env: str = "development"  # development | test | production
    database_url: str = Field(
        default=f"sqlite:///{VAR_DIR / 'cobro.db'}", validation_alias="DATABASE_URL"
    )
    secret_key: str = ""
    # Access tokens are short-lived; clients renew them with a refresh token (rotated on each
    # use) that stays valid ``refresh_days`` after its last use.
    token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_days: int = Field(default=30, ge=1, le=365)
    # A refresh token used again within this many seconds of its rotation counts as a client
    # retrying a lost answer (it gets a new token, the lost one is revoked); later, as theft
    # (its whole family is revoked).
    refresh_reuse_grace_seconds: int = Field(default=60, ge=0, le=3600)
    # Login throttling (backend/auth/throttle.py): failures allowed before delays start, per
    # account and per client address, and the longest delay between two attempts.
    login_free_attempts_account: int = Field(default=5, ge=1)
    login_free_attempts_address: int = Field(default=20, ge=1)
    login_max_delay_seconds: int = Field(default=15 * 60, ge=1)
    # Failures older than this are forgotten (counting starts again).
    login_window_seconds: int = Field(default=60 * 60, ge=60)
    # ID attempts from one client address at the portal before delays start (the login's
    # delays and window): generous, as many debtors may share one carrier-grade NAT address.
    portal_free_attempts_address: int = Field(default=60, ge=1)
    # Password hashes computed at once in this process (0: half the CPUs, at least one), and
    # logins allowed to wait for a slot before 503 login_busy.
    login_hash_slots: int = Field(default=0, ge=0)
    login_queue: int = Field(default=16, ge=0)
    # Largest request body (JSON, forms) outside the routes that take more (uploads, sync).
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # /docs, /redoc and /openapi.json: on unless production (then only when set to true).
    api_docs: bool | None = None
    # How long a verified bearer token's user (role, active flag, team) is reused without
    # reading it again: the bound on how late another process notices a deactivation or a role
    # change (this process forgets the user at once). 0 reads the user on every request.
    principal_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    public_url: str = "http://127.0.0.1:8000"
    # Who collects, as messages to debtors name it (identification rules, opt-out footers).
    agency_name: str = "Cobro"
    # How long the unsubscribe link of a reminder e-mail works (at least the 30 days after
    # sending that CAN-SPAM asks for).
    unsubscribe_link_days: int = Field(default=90, ge=30, le=3650)
    max_upload_bytes: int = 50 * 1024 * 1024
    # Larger uploads (statements, imports) are processed by a background job (202 + progress).
    inline_upload_bytes: int = Field(default=1024 * 1024, ge=0)
    # Threads that run requests' database work at once; the connection pool is sized with it.
    worker_threads: int = Field(default=40, ge=1, le=500)
    # Background jobs: extra modules that register jobs, and how a dead worker is noticed.
    job_modules: str = ""
    job_heartbeat_seconds: float = Field(default=10.0, gt=0)
    job_stalled_seconds: float = Field(default=30.0, gt=0)
    # Run the embedded job runner inside `cobro serve` (the SQLite default).
    embedded_jobs: bool = True
    default_language: str = "es"
    # Creditors' webhook endpoints may point at loopback or private addresses in production.
    webhooks_allow_private: bool = False
    # Payments: "builtin" (the embedded default, with a sandbox) or "stripe".
    payment_provider: str = ""
    payment_link_hours: int = Field(default=24, ge=1, le=24)
    stripe_api_key: str = Field(default="", validation_alias="STRIPE_API_KEY")
    stripe_webhook_secret: str = Field(default="", validation_alias="STRIPE_WEBHOOK_SECRET")
    stripe_api_base: str = Field(
        default="https://api.stripe.com", validation_alias="STRIPE_API_BASE"
    )
    # Lets a scraper read /metrics (Authorization: Bearer <it>) without an admin's token; the
    # workers' and the chat webhooks' own /metrics answer only to it.
    metrics_token: str = ""
    # Shared state across workers and machines (the outbound rate limits); unset (the
    # `make run` default) keeps it in each process.
    redis_url: str = ""
    # Outbound channels: each is configured only when its credentials are set. Rates are
    # messages per second per sender (number, bot, account, server), shared by all workers.
    whatsapp_token: str = ""
    whatsapp_phone_number_id: str = ""
    whatsapp_api_base_url: str = "https://graph.facebook.com"
    whatsapp_api_version: str = ""  # empty: pywa's default Graph API version
    whatsapp_rate: float = Field(default=80.0, gt=0)
    telegram_bot_token: str = ""
    telegram_api_base_url: str = "https://api.telegram.org"
    telegram_rate: float = Field(default=30.0, gt=0)
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from: str = ""  # a sender number, or:
    twilio_messaging_service_sid: str = ""
    twilio_api_base_url: str = "https://api.twilio.com"
    twilio_rate: float = Field(default=10.0, gt=0)
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    smtp_from: str = ""  # "Agencia <cobranzas@agencia.pe>"
    smtp_rate: float = Field(default=10.0, gt=0)
    # Seconds one provider call may take before it counts as a (retryable) timeout.
    channel_timeout_seconds: float = Field(default=15.0, gt=0)
    # Personal data (backend.privacy): how often each API process writes the reads it noted
    # (the most a crash can lose; 0 writes only when asked: the test suite), and the retention
    # years after an account closed, per country, over the defaults ("PE=10,CO=5").
    read_log_seconds: float = Field(default=1.0, ge=0, le=60)
    retention_years: str = ""
    # Personal data at rest (backend.core.crypto): the AES-GCM keys "version:base64,...", the
    # current one first, and the HMAC key of the blind indexes. Outside production both
    # default to keys derived from the secret key.
    data_keys: str = ""
    index_key: str = ""

    @field_validator("whatsapp_api_base_url", "telegram_api_base_url", "twilio_api_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("an API base URL starts with http:// or https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _secret(self) -> Settings:
        if not self.secret_key:
            if self.env == "production":
                raise ValueError("COBRO_SECRET_KEY must be set in production")
            self.secret_key = _dev_secret()
        elif self.env == "production" and len(self.secret_key) < 32:
            raise ValueError("COBRO_SECRET_KEY must be at least 32 characters in production")
        if self.env == "production" and not (self.data_keys and self.index_key):
            raise ValueError("COBRO_DATA_KEYS and COBRO_INDEX_KEY must be set in production")
        return self

    @property
    def active_payment_provider(self) -> str:
        return self.payment_provider or ("stripe" if self.stripe_api_key else "builtin")

    @property
    def whatsapp_configured(self) -> bool:
        return bool(self.whatsapp_token and self.whatsapp_phone_number_id)

    @property
    def telegram_configured(self) -> bool:
        return bool(self.telegram_bot_token)

    @property
    def twilio_configured(self) -> bool:
        sender = self.twilio_from or self.twilio_messaging_service_sid
        return bool(self.twilio_account_sid and self.twilio_auth_token and sender)

    @property
    def smtp_configured(self) -> bool:
        return bool(self.smtp_host and self.smtp_from)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def docs_enabled(self) -> bool:
        return self.api_docs if self.api_docs is not None else not self.is_production

    @property
    def job_module_list(self) -> list[str]:
        return [name.strip() for name in self.job_modules.split(",") if name.strip()]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
