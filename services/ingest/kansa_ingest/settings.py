"""Ingest settings: built once in the entry point and passed down (env prefix KANSA_, nested with __)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kansa_schemas import mynumber, topics


class KafkaSettings(BaseModel):
    bootstrap: str = "127.0.0.1:9092"
    events_topic: str = topics.EVENTS
    dead_letter_topic: str = topics.DEAD_LETTER
    partitions: int = Field(default=3, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    send_timeout_s: float = 30.0


class ApiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8088
    max_batch_events: int = Field(default=5000, ge=1)
    max_body_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)


class SourceCredential(BaseModel):
    """What a bearer token may send: one tenant, and optionally only some source systems."""

    tenant: str = Field(pattern=r"^\d{6}$")
    source_systems: tuple[str, ...] = ()


class IngestSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KANSA_", env_nested_delimiter="__", extra="ignore")

    environment: Literal["dev", "prod"] = "dev"
    kafka: KafkaSettings = KafkaSettings()
    api: ApiSettings = ApiSettings()
    # token -> credential. In dev, a demo token is accepted for the demo tenant.
    api_tokens: dict[str, SourceCredential] = Field(default_factory=dict)
    # tenant -> HMAC secret (hex or text) used to tokenise personal numbers.
    tenant_keys: dict[str, str] = Field(default_factory=dict)

    def tokens(self) -> dict[str, SourceCredential]:
        if self.api_tokens or self.environment == "prod":
            return self.api_tokens
        return {"dev-token-141003": SourceCredential(tenant="141003")}

    def tenant_key(self, tenant: str) -> bytes:
        return mynumber.tenant_key(self.tenant_keys, tenant, self.environment)
