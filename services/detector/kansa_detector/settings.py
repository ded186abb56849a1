"""Detector settings: built once in the entry point and passed down (env prefix KANSA_, nested with __)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kansa_schemas import topics

_REPO = Path(__file__).resolve().parents[3]


class KafkaSettings(BaseModel):
    bootstrap: str = "127.0.0.1:9092"
    events_topic: str = topics.EVENTS
    alerts_topic: str = topics.ALERTS
    dead_letter_topic: str = topics.DEAD_LETTER
    partitions: int = Field(default=3, ge=1)
    replication_factor: int = Field(default=1, ge=1)


class ElasticsearchSettings(BaseModel):
    url: str = "http://127.0.0.1:9200"
    replicas: int = Field(default=0, ge=0, description="Replicas per index; 1 or more on a production cluster.")
    bulk_max_records: int = Field(default=2000, ge=1)
    request_timeout_s: float = 60.0


class DetectorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KANSA_", env_nested_delimiter="__", extra="ignore")

    kafka: KafkaSettings = KafkaSettings()
    elasticsearch: ElasticsearchSettings = ElasticsearchSettings()
    rules_dir: Path = _REPO / "services" / "detector" / "rules"
    tenants_dir: Path = _REPO / "deploy" / "tenants"
    reference_dir: Path = _REPO / "deploy" / "tenants" / "reference"
    reference_check_interval_s: float = Field(
        default=0.0, ge=0, description="How often a reference file's mtime is checked; 0 = before every event.")
    lateness_s: float = Field(default=5.0, ge=0, description="How late (event time) an event may arrive.")
    source_missing_after_s: float = Field(
        default=86400.0, gt=0,
        description="A rule that examined no event for this long reports 'not evaluable: source missing'.")
    app_id: str = "kansa-detector"
    indexer_group: str = "kansa-indexer"
    metrics_host: str = "127.0.0.1"
    detector_metrics_port: int = 9464
    indexer_metrics_port: int = 9465
