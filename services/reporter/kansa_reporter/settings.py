"""Reporter settings: built once in the CLI entry point and passed down, never a module-level instance."""

from __future__ import annotations

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
