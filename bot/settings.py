"""One settings class: environment variables and `.env`. Built by the composition root only."""

from __future__ import annotations

from datetime import time
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.placeholders import TELEGRAM_TOKEN, placeholder_reason, secret_problem
from handlers.types import Rules
from reminders.alerts import AlertRules
from reminders.calendar import DayOffRule, Schedule

PLACEHOLDERS = {"", "changeme", "change-me", "your-token-here", "123456:abc"}
SECRET_FIELDS = (
    "telegram_bot_token",
    "webhook_secret",
    "zalo_bot_token",
    "zalo_webhook_secret",
    "zalo_oa_app_secret",
    "zalo_oa_webhook_key",
    "api_webhook_secret",
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str = "sqlite:///data/cnsbot.db"
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"  # json: one object per line, for a shipper

    telegram_bot_token: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_bot_username: str | None = None  # for invite deep links made offline (CLI)
    telegram_mode: Literal["polling", "webhook"] = "polling"
    webhook_base_url: str | None = None  # public https://host, as Telegram reaches the proxy
    webhook_secret: SecretStr | None = None  # checked on every webhook request
    web_host: str = "127.0.0.1"  # where the webhook server listens (behind a reverse proxy)
    web_port: int = Field(8080, ge=1, le=65535)

    zalo_bot_token: SecretStr | None = None
    zalo_api_base: str = "https://bot-api.zaloplatforms.com"
    zalo_mode: Literal["polling", "webhook"] = "polling"
    zalo_webhook_secret: SecretStr | None = None
    zalo_timeout_seconds: float = Field(10, gt=0)
    zalo_retries: int = Field(3, ge=0, le=10)  # network errors and 5xx, with backoff
    zalo_rate_per_second: float = Field(10, gt=0)  # Zalo publishes no limits: stay gentle
    zalo_rate_per_chat_second: float = Field(1, gt=0)
    zalo_rate_per_group_minute: float = Field(10, gt=0)

    zalo_oa_app_id: str | None = None  # a commune's Official Account, as a second Zalo mode
    zalo_oa_app_secret: SecretStr | None = None  # the app's secret key (token refresh)
    zalo_oa_webhook_key: SecretStr | None = None  # the OA secret key (event signatures)
    zalo_oa_window_hours: float = Field(168, gt=0)  # the OA may write this long after a message
    zalo_oa_api_base: str = "https://openapi.zalo.me"  # a local fake or a proxy may stand in
    zalo_oa_oauth_base: str = "https://oauth.zaloapp.com"
    zalo_oa_event_max_age_seconds: float = Field(600, gt=0)  # older signed events are refused

    public_base_url: str | None = None  # https address of this server: web app, chart links
    web_app: bool = True  # serve the web app (and the Telegram Mini App) on WEB_HOST:WEB_PORT
    web_session_hours: int = Field(12, ge=1, le=24 * 30)
    web_link_minutes: int = Field(10, ge=1, le=60)
    file_link_hours: float = Field(72, gt=0)
    # Update keys (de-duplication) are deleted after this many days: longer than any
    # platform re-delivers an update (Telegram: about a day) and the catch-up window.
    keep_update_keys_days: int = Field(30, ge=3)

    per_entry_cap: int = Field(500, ge=1, le=100_000)
    period_grace_days: int = Field(5, ge=0, le=27)
    reports_per_minute: int = Field(10, ge=1, le=10_000)  # per person
    daily_limit: int = Field(200, ge=1, le=1_000_000)  # per person, indicator, day: confirm
    demo_data: bool = True  # seed the demo commune into an empty database when no token is set

    deadline_day: int = Field(20, ge=1, le=31)
    deadline_on_day_off: DayOffRule = DayOffRule.next_working_day  # or "keep"
    reminder_offsets: str = "5,2,0"  # days before the deadline; 0 = the deadline morning
    reminder_time: time = time(8, 0)
    tally_weekday: int = Field(0, ge=0, le=6)  # 0 = Monday
    tally_time: time = time(8, 0)
    catch_up_hours: float = Field(12, ge=0, le=48)  # missed while down: still sent this late
    scheduler_tick_seconds: int = Field(60, ge=1)
    # Weekly alerts to commune leaders, with the tally (reminders.alerts); 0/false: off.
    alert_quiet_weeks: int = Field(2, ge=0, le=26)  # villages without a report this long
    alert_pace: bool = True  # indicators that cannot reach the month's target at this rate
    alert_pace_from_day: int = Field(7, ge=1, le=28)
    alert_unusual: bool = True  # entries far above the member's and the village's usual day
    alert_unusual_factor: int = Field(3, ge=2, le=100)  # > max(factor × median, median + margin)
    alert_unusual_margin: int = Field(10, ge=1, le=10_000)
    alert_history_days: int = Field(60, ge=7, le=366)

    telegram_rate_per_second: float = Field(30, gt=0)
    telegram_rate_per_chat_second: float = Field(1, gt=0)
    telegram_rate_per_group_minute: float = Field(20, gt=0)
    delivery_max_attempts: int = Field(6, ge=1)
    database_attempts: int = Field(4, ge=1, le=20)  # an update meeting a busy database
    platform_attempts: int = Field(3, ge=1, le=20)  # a Telegram update failing outside handlers
    delivery_lease_seconds: int = Field(120, ge=1)  # a claimed message whose worker died

    # Outbound webhook: months signed off or approved are POSTed here, HMAC-signed.
    api_webhook_url: str | None = None
    api_webhook_secret: SecretStr | None = None
    api_rate_per_minute: int = Field(120, ge=1)  # requests per API token

    @model_validator(mode="after")
    def _no_placeholder_secrets(self) -> Settings:
        for name in SECRET_FIELDS:
            value = getattr(self, name)
            if value is not None and not value.get_secret_value().strip():
                setattr(self, name, None)  # an empty line in .env: not set
        for name in ("telegram_bot_token", "zalo_bot_token"):
            token = getattr(self, name)
            reason = token and placeholder_reason(token.get_secret_value())
            if reason:  # in any environment: a token is meant to connect
                raise ValueError(
                    f"{name.upper()} looks like a placeholder ({reason}); "
                    "set the real token, or leave it empty to chat in the console"
                )
        if self.environment == "production":
            self._production_ready()
        if self.api_webhook_url and len(self._api_webhook_secret()) < 16:
            raise ValueError("API_WEBHOOK_URL needs an API_WEBHOOK_SECRET of 16+ characters")
        if self.zalo_bot_token and self.zalo_mode == "webhook":
            secret = self.zalo_webhook_secret.get_secret_value() if self.zalo_webhook_secret else ""
            if not self.webhook_base_url or len(secret) < 16 or secret.lower() in PLACEHOLDERS:
                raise ValueError(
                    "Zalo webhook mode needs WEBHOOK_BASE_URL and ZALO_WEBHOOK_SECRET (16+)"
                )
        return self

    def _api_webhook_secret(self) -> str:
        return self.api_webhook_secret.get_secret_value() if self.api_webhook_secret else ""

    def _production_ready(self) -> None:
        """Production refuses placeholder-looking or short secrets, and plain-http addresses."""
        for name in SECRET_FIELDS:
            value = getattr(self, name)
            problem = value and secret_problem(value.get_secret_value())
            if problem:
                raise ValueError(f"{name.upper()} {problem}; production needs a real secret")
        token = self.telegram_bot_token
        if token and not TELEGRAM_TOKEN.fullmatch(token.get_secret_value()):
            raise ValueError(
                "TELEGRAM_BOT_TOKEN is not shaped like a @BotFather token "
                "(<digits>:<35 letters, digits, _ or ->)"
            )
        for name in ("webhook_base_url", "public_base_url", "api_webhook_url"):
            url = getattr(self, name)
            if url and not url.strip().lower().startswith("https://"):
                raise ValueError(f"{name.upper()} must be an https:// address in production")

    @property
    def has_oa(self) -> bool:
        """The OA's app is set. Its webhook key may come later: Zalo shows the OA secret key
        only after the webhook URL is saved, and checks the URL (it must answer) first."""
        return bool(self.zalo_oa_app_id and self.zalo_oa_app_secret)

    @property
    def has_channel(self) -> bool:
        return self.telegram_bot_token is not None or self.zalo_bot_token is not None or self.has_oa

    @model_validator(mode="after")
    def _webhook_needs_url_and_secret(self) -> Settings:
        if self.telegram_bot_token and self.telegram_mode == "webhook":
            secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
            if not self.webhook_base_url or len(secret) < 16 or secret.lower() in PLACEHOLDERS:
                raise ValueError(
                    "webhook mode needs WEBHOOK_BASE_URL and a WEBHOOK_SECRET of 16+ characters"
                )
        return self

    def secrets(self) -> list[str]:
        """What must never appear in logs."""
        values = [
            self.telegram_bot_token,
            self.webhook_secret,
            self.zalo_bot_token,
            self.zalo_webhook_secret,
            self.zalo_oa_app_secret,
            self.zalo_oa_webhook_key,
            self.api_webhook_secret,
        ]
        return [v.get_secret_value() for v in values if v is not None]

    @property
    def schedule(self) -> Schedule:
        offsets = tuple(sorted({int(o) for o in self.reminder_offsets.split(",") if o.strip()}))
        return Schedule(
            deadline_day=self.deadline_day,
            on_day_off=self.deadline_on_day_off,
            offsets=tuple(reversed(offsets)),
            send_at=self.reminder_time,
            tally_weekday=self.tally_weekday,
            tally_at=self.tally_time,
        )

    @property
    def alert_rules(self) -> AlertRules:
        return AlertRules(
            quiet_weeks=self.alert_quiet_weeks,
            pace=self.alert_pace,
            pace_from_day=self.alert_pace_from_day,
            unusual=self.alert_unusual,
            factor=self.alert_unusual_factor,
            margin=self.alert_unusual_margin,
            history_days=self.alert_history_days,
        )

    @property
    def rules(self) -> Rules:
        return Rules(
            per_entry_cap=self.per_entry_cap,
            grace_days=self.period_grace_days,
            reports_per_minute=self.reports_per_minute,
            daily_limit=self.daily_limit,
            web_base_url=self.web_base_url,
            web_link_minutes=self.web_link_minutes,
            webhook_enabled=self.has_api_webhook,
            schedule=self.schedule,
        )

    @property
    def has_api_webhook(self) -> bool:
        return bool(self.api_webhook_url and self.api_webhook_secret)

    @property
    def web_base_url(self) -> str:
        """Where people open the web app: the public address, else this machine's."""
        return self.public_base_url or f"http://{self.web_host}:{self.web_port}"
