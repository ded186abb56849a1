"""Investigation API settings: built once in the entry point and passed down (env prefix KANSA_, nested with __)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kansa_schemas import mynumber, topics

_REPO = Path(__file__).resolve().parents[3]


class ElasticsearchSettings(BaseModel):
    url: str = "http://127.0.0.1:9200"
    request_timeout: float = Field(default=30.0, gt=0)


class ApiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8090
    max_page_size: int = Field(default=1000, ge=1, le=10_000)
    # How long a point in time stays open between two pages of one search.
    page_keep_alive: str = "5m"
    # A per-resident history holds at most this many accesses; a longer one must be narrowed by time.
    max_history_rows: int = Field(default=50_000, ge=1)


class KafkaSettings(BaseModel):
    bootstrap: str = "127.0.0.1:9092"
    # Audit events go where every other event goes, so the pipeline indexes and counts them.
    events_topic: str = topics.EVENTS
    audit_send_timeout_s: float = Field(default=10.0, gt=0)


class InvestigateSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KANSA_", env_nested_delimiter="__", extra="ignore")

    environment: Literal["dev", "prod"] = "dev"
    elasticsearch: ElasticsearchSettings = ElasticsearchSettings()
    # KANSA_INVESTIGATE__PORT etc. (ingest owns KANSA_API__*, and the services may share one .env).
    investigate: ApiSettings = ApiSettings()
    kafka: KafkaSettings = KafkaSettings()
    # Hashed API tokens (kansa_investigate.tokens); `kansa api token create` adds to it.
    tokens_file: Path = _REPO / "out" / "api" / "tokens.yaml"
    # tenant -> HMAC secret, the same as ingest's, so a searched number gives the stored token.
    tenant_keys: dict[str, str] = Field(default_factory=dict)
    # The detector's reference data: staff sections for the per-resident history.
    reference_dir: Path = _REPO / "deploy" / "tenants" / "reference"

    def tenant_key(self, tenant: str) -> bytes:
        return mynumber.tenant_key(self.tenant_keys, tenant, self.environment)
