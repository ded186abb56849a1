"""Reporter settings: built once in the CLI entry point and passed down, never a module-level instance."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

_REPO = Path(__file__).resolve().parents[3]


class ElasticsearchSettings(BaseModel):
    # A nested BaseModel, not BaseSettings: nested prefixed settings do not load from .env (pydantic-settings #279).
    url: str = "http://127.0.0.1:9200"
    request_timeout: float = Field(default=30.0, gt=0)


class Settings(BaseSettings):
    """`KANSA_ELASTICSEARCH__URL=...` sets `elasticsearch.url`."""

    model_config = SettingsConfigDict(env_prefix="KANSA_", env_nested_delimiter="__", extra="ignore")

    elasticsearch: ElasticsearchSettings = ElasticsearchSettings()
    # The same catalogue and overrides the detector runs, so the report lists exactly the checks that ran.
    rules_dir: Path = _REPO / "services" / "detector" / "rules"
    tenants_dir: Path = _REPO / "deploy" / "tenants"
    # `kansa reporter run`: the previous month's report on this day of the month at this JST time, for every
    # tenant with a profile.yaml, kept in report_dir and mailed to the profile's report_recipients.
    report_day: int = Field(default=1, ge=1, le=28)
    report_time: dt.time = dt.time(7, 0)
    report_dir: Path = _REPO / "out" / "reports"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "kansa@localhost"
    smtp_timeout_s: float = Field(default=30.0, gt=0)
    retry_first_s: float = Field(default=30.0, gt=0)
    retry_cap_s: float = Field(default=1800.0, gt=0)
