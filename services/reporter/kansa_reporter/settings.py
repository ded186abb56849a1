"""Reporter settings: built once in the CLI entry point and passed down, never a module-level instance."""

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ElasticsearchSettings(BaseModel):
    # A nested BaseModel, not BaseSettings: nested prefixed settings do not load from .env (pydantic-settings #279).
    url: str = "http://127.0.0.1:9200"
    request_timeout: float = Field(default=30.0, gt=0)


class Settings(BaseSettings):
    """`KANSA_ELASTICSEARCH__URL=...` sets `elasticsearch.url`."""

    model_config = SettingsConfigDict(env_prefix="KANSA_", env_nested_delimiter="__", extra="ignore")

    elasticsearch: ElasticsearchSettings = ElasticsearchSettings()
