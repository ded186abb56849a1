"""Run the services as processes and push a month through them: shared by `kansa demo` and the end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.structs import TopicPartition

COMMANDS = {
    "ingest": ["ingest", "serve"],
    "detector": ["detector", "run"],
    "indexer": ["detector", "index"],
    "router": ["router", "run"],
    "api": ["api", "serve"],
}


@dataclass
class PipelineConfig:
    """Everything the three services must agree on, rendered as their environment."""

    namespace: str
    bootstrap: str = "127.0.0.1:9092"
    elasticsearch_url: str = "http://127.0.0.1:9200"
    reference_dir: Path = Path("out/reference")
    ingest_port: int = 8088
    detector_metrics_port: int = 9464
    indexer_metrics_port: int = 9465
    lateness_s: float = 2.0
    token: str = "dev-token-141003"
    tenant: str = "141003"
    tenants_dir: Path | None = None  # default: the repository's deploy/tenants
    router_metrics_port: int = 9466
    smtp_port: int = 25
    router_retry_first_s: float = 1.0
    router_retry_cap_s: float = 60.0
    router_max_attempts: int = 12
    api_port: int = 8090
    api_tokens_file: Path = Path("out/api/tokens.yaml")

    @property
    def events_topic(self) -> str:
        return f"{self.namespace}.events.v1"

    @property
    def alerts_topic(self) -> str:
        return f"{self.namespace}.alerts.v1"

    @property
    def dead_letter_topic(self) -> str:
        return f"{self.namespace}.dlq.v1"

    @property
    def app_id(self) -> str:
        return f"{self.namespace}-detector"

    @property
    def indexer_group(self) -> str:
        return f"{self.namespace}-indexer"

    @property
    def ingest_url(self) -> str:
        return f"http://127.0.0.1:{self.ingest_port}"

    def environment(self) -> dict[str, str]:
        return {
            "KANSA_KAFKA__BOOTSTRAP": self.bootstrap,
            "KANSA_KAFKA__EVENTS_TOPIC": self.events_topic,
            "KANSA_KAFKA__ALERTS_TOPIC": self.alerts_topic,
            "KANSA_KAFKA__DEAD_LETTER_TOPIC": self.dead_letter_topic,
            "KANSA_ELASTICSEARCH__URL": self.elasticsearch_url,
            "KANSA_REFERENCE_DIR": str(self.reference_dir.resolve()),
            "KANSA_API__PORT": str(self.ingest_port),
            "KANSA_DETECTOR_METRICS_PORT": str(self.detector_metrics_port),
            "KANSA_INDEXER_METRICS_PORT": str(self.indexer_metrics_port),
            "KANSA_LATENESS_S": str(self.lateness_s),
            "KANSA_APP_ID": self.app_id,
            "KANSA_INDEXER_GROUP": self.indexer_group,
            "KANSA_API_TOKENS": f'{{"{self.token}": {{"tenant": "{self.tenant}"}}}}',
            "KANSA_ROUTER_GROUP": f"{self.namespace}-router",
            "KANSA_ROUTER_OUTBOX_TOPIC": f"{self.namespace}.router.outbox.v1",
            "KANSA_ROUTER_MARKS_TOPIC": f"{self.namespace}.router.marks.v1",
            "KANSA_ROUTER_DEAD_TOPIC": f"{self.namespace}.router.dead.v1",
            "KANSA_ROUTER_METRICS_PORT": str(self.router_metrics_port),
            "KANSA_SMTP_PORT": str(self.smtp_port),
            "KANSA_RETRY_FIRST_S": str(self.router_retry_first_s),
            "KANSA_RETRY_CAP_S": str(self.router_retry_cap_s),
            "KANSA_MAX_ATTEMPTS": str(self.router_max_attempts),
            "KANSA_INVESTIGATE__PORT": str(self.api_port),
            "KANSA_TOKENS_FILE": str(self.api_tokens_file.resolve()),
            **({"KANSA_TENANTS_DIR": str(self.tenants_dir.resolve())} if self.tenants_dir else {}),
        }


@dataclass
class Services:
    config: PipelineConfig
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.config.environment()}
        with (self.log_dir / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "kansa_cli.main", *COMMANDS[name]], env=env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )

    def kill(self, name: str) -> None:
        """SIGKILL: the crash case, nothing flushed."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with {process.returncode}; last log lines:\n{tail}")

    def wait_for_ingest(self, timeout: float = 60.0) -> None:
        self.wait_for_health(self.config.ingest_url, "the ingest API", timeout)

    def wait_for_health(self, base_url: str, what: str, timeout: float = 60.0) -> None:
        def ready() -> bool:
            self.check_alive()
            try:
                return httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(ready, timeout, f"{what} to answer /healthz")


def wait_until(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def batches(path: Path, size: int) -> Iterator[bytes]:
    lines: list[bytes] = []
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                lines.append(line.rstrip(b"\n"))
            if len(lines) >= size:
                yield b"\n".join(lines)
                lines = []
    if lines:
        yield b"\n".join(lines)


@dataclass
class PostSummary:
    accepted: int = 0
    rejected: int = 0


def post_file(config: PipelineConfig, path: Path, batch_size: int = 2000,
              stop_after: int | None = None, skip: int = 0) -> PostSummary:
    """POST an NDJSON file to the ingest API; `skip`/`stop_after` (in batches) let a test split the stream."""
    summary = PostSummary()
    with httpx.Client(base_url=config.ingest_url, timeout=120,
                      headers={"Authorization": f"Bearer {config.token}",
                               "Content-Type": "application/x-ndjson"}) as client:
        for number, body in enumerate(batches(path, batch_size)):
            if number < skip:
                continue
            if stop_after is not None and number >= stop_after:
                break
            response = client.post("/v1/events", content=body)
            if response.status_code not in (200, 422):
                raise RuntimeError(f"ingest answered {response.status_code}: {response.text[:500]}")
            result = response.json()
            summary.accepted += result["accepted"]
            summary.rejected += result["rejected"]
    return summary


def consumer_lag(bootstrap: str, group: str, topics: list[str]) -> int:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="kansa-lag")
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="kansa-lag")
    try:
        committed = admin.list_group_offsets(group).get(group, {})
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        ends = consumer.end_offsets(partitions)
        return sum(end - (committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0)
                   for tp, end in ends.items())
    finally:
        consumer.close()
        admin.close()


def _metric(port: int, name: str) -> float | None:
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
    except httpx.HTTPError:
        return None
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def settled(config: PipelineConfig) -> bool:
    """Every event evaluated, every buffered event released, every event and alert indexed."""
    detector_lag = consumer_lag(config.bootstrap, config.app_id, [config.events_topic, f"{config.app_id}-by-request"])
    pending = _metric(config.detector_metrics_port, "kansa_detector_pending_partitions")
    return detector_lag == 0 and pending == 0 and indexed(config)


def indexed(config: PipelineConfig) -> bool:
    """The indexer has everything on the events and alerts topics."""
    return consumer_lag(config.bootstrap, config.indexer_group, [config.events_topic, config.alerts_topic]) == 0


def wait_until_settled(services: Services, timeout: float = 600.0) -> None:
    streak = 0

    def twice_in_a_row() -> bool:
        nonlocal streak
        services.check_alive()
        streak = streak + 1 if settled(services.config) else 0
        return streak >= 2

    # Polled at 1.5 s so that two consecutive checks straddle a detector timer tick (1 s).
    wait_until(twice_in_a_row, timeout, "the detector and indexer to catch up", interval=1.5)


def wait_until_indexed(services: Services, timeout: float = 120.0) -> None:
    """The indexer has caught up (the detector may be stopped)."""

    def caught_up() -> bool:
        services.check_alive()
        return indexed(services.config)

    wait_until(caught_up, timeout, "the indexer to catch up")
