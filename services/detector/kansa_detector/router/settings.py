"""Router settings (env prefix KANSA_, nested with __), built once in `kansa router run`."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kansa_detector.settings import KafkaSettings
from kansa_schemas import topics

_REPO = Path(__file__).resolve().parents[4]


class RouterSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KANSA_", env_nested_delimiter="__", extra="ignore")

    kafka: KafkaSettings = KafkaSettings()
    tenants_dir: Path = _REPO / "deploy" / "tenants"
    router_group: str = "kansa-router"
    router_outbox_topic: str = topics.ROUTER_OUTBOX
    router_marks_topic: str = topics.ROUTER_MARKS
    router_dead_topic: str = topics.ROUTER_DEAD
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "kansa@localhost"
    smtp_timeout_s: float = Field(default=10.0, gt=0)
    http_timeout_s: float = Field(default=5.0, gt=0)
    alert_base_url: str = Field(default="http://127.0.0.1:8090", description=(
        "Links in messages: <base>/ui/<tenant>/alerts/<id>, the alert in the officers' web page."))
    retry_first_s: float = Field(default=1.0, gt=0)
    retry_cap_s: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=12, ge=1)
    metrics_host: str = "127.0.0.1"
    router_metrics_port: int = 9466
