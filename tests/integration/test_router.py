"""`kansa router run` on the real Kafka, with a real HTTP receiver and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from kansa_cli.pipeline import PipelineConfig, Services, wait_until
from kansa_schemas.alert import Alert, LocalisedText, Severity
from kansa_schemas.topics import ensure_topics
from tests.conftest import Stack, free_port
from tests.receivers import HttpReceiver, SmtpReceiver

TENANT = "141003"
SECRET = "test-soc-secret"
DIGEST_S = 20


def make_alert(n: int, severity: Severity, run: str) -> Alert:
    return Alert(
        alert_id=f"al_{run}_{n:03d}", tenant=TENANT, rule_id="DR-32", rule_version=1, severity=severity,
        title=LocalisedText(ja="上長承認のない外部媒体への書き出し", en="Export without approval"),
        action=LocalisedText(ja="媒体とファイルを追跡する", en="Trace the device and file"),
        assessment_refs=("000 L341",), actor_id=f"s{n:03d}", occurred_at=dt.datetime.now(dt.UTC),
        key=f"{TENANT}|R{n}", event_ids=(f"ev-{run}-{n}",), reference_version="v1",
    )


class RouterRun:
    def __init__(self, stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.http = HttpReceiver(free_port())
        self.smtp = SmtpReceiver(free_port())
        tenants = tmp_path / "tenants"
        (tenants / TENANT).mkdir(parents=True)
        (tenants / TENANT / "routes.yaml").write_text(f"""routes:
  - {{name: soc, channel: webhook, url: "{self.http.url}/soc", secret_env: KANSA_TEST_SOC_KEY}}
  - {{name: officers, channel: email, to: [security@city.example.lg.jp], min_severity: high}}
  - name: chat
    channel: chat
    url: "{self.http.url}/chat"
    digest: {{severities: [low, medium], every: PT{DIGEST_S}S}}
""", encoding="utf-8")
        monkeypatch.setenv("KANSA_TEST_SOC_KEY", SECRET)
        self.config = PipelineConfig(namespace=f"test.{stack.run_id}.router.{free_port()}", tenants_dir=tenants,
                                     router_metrics_port=free_port(), smtp_port=self.smtp.port,
                                     router_retry_first_s=0.5, router_retry_cap_s=4.0, router_max_attempts=60)
        ensure_topics(stack.kafka_bootstrap, [self.config.alerts_topic], partitions=3, replication_factor=1)
        self.services = Services(self.config, tmp_path / "logs")
        self.producer = KafkaProducer(bootstrap_servers=stack.kafka_bootstrap, acks="all")

    def send(self, alert: Alert) -> None:
        self.producer.send(self.config.alerts_topic, key=f"{alert.tenant}|{alert.actor_id}".encode(),
                           value=alert.model_dump_json().encode()).get(timeout=30)

    def metric(self, name: str, **labels: str) -> float:
        """Sum of a metric's samples with these labels (0 when it has none yet)."""
        url = f"http://127.0.0.1:{self.config.router_metrics_port}/metrics"
        text = urllib.request.urlopen(url, timeout=5).read().decode()
        return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples
                   if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))

    def queue_depth(self) -> float:
        return self.metric("kansa_router_queue_depth")

    def soc_failures(self) -> float:
        return self.metric("kansa_router_failures_total", route="soc")

    def wait_for_metrics(self) -> None:
        def up() -> bool:
            self.services.check_alive()
            try:
                self.queue_depth()
                return True
            except OSError:
                return False
        wait_until(up, 60, "the router's metrics endpoint")


@pytest.fixture()
def run(stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RouterRun]:
    router = RouterRun(stack, tmp_path, monkeypatch)
    router.smtp.start()
    yield router
    router.services.stop_all()
    router.producer.close()
    router.http.stop()
    router.smtp.stop()


def test_receiver_down_for_a_minute_then_back_every_alert_arrives_once(run: RouterRun) -> None:
    run.services.start("router")
    run.wait_for_metrics()
    alerts = [make_alert(n, Severity.HIGH, "down") for n in range(10)]
    for alert in alerts:
        run.send(alert)
    outage_ends = time.monotonic() + 60
    # The webhook receiver is down: the alerts wait in the router's outbox. E-mail is up: it goes at once.
    wait_until(lambda: len(run.smtp.messages) == 10, 60, "ten e-mails")
    wait_until(lambda: run.soc_failures() >= 10, 60, "a failed webhook attempt for each alert")
    # A crash while they wait loses nothing: the outbox is a Kafka topic, read again by the new process.
    run.services.kill("router")
    run.services.start("router")
    run.wait_for_metrics()
    wait_until(lambda: run.soc_failures() >= 10, 60, "the restarted router retrying each alert")
    wait_until(lambda: time.monotonic() >= outage_ends, 90, "the end of the one-minute outage")
    run.http.start()
    wanted = {a.alert_id for a in alerts}
    wait_until(lambda: set(run.http.keys("/soc")) == wanted, 60, "every alert at the webhook receiver")
    wait_until(lambda: run.queue_depth() == 0, 30, "an empty outbox")
    assert run.http.keys("/soc") == dict.fromkeys(wanted, 1)  # none twice
    assert run.metric("kansa_router_dead_letters_total") == 0
    assert sorted(m["X-Kansa-Idempotency-Key"] for m in run.smtp.messages) == sorted(wanted)

    _, headers, body = next(r for r in run.http.requests if r[0] == "/soc")
    assert headers["X-Kansa-Signature"] == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    mail = run.smtp.messages[0]
    assert mail["Subject"].startswith("[kansa][高] DR-32 上長承認のない外部媒体への書き出し")
    assert "推奨対応: 媒体とファイルを追跡する" in mail.get_content()


def test_digest_route_gets_one_message_with_the_count_and_critical_bypasses_it(run: RouterRun) -> None:
    run.http.start()
    run.services.start("router")
    run.wait_for_metrics()
    # Start early in a digest window so the three alerts fall into the same one.
    wait_until(lambda: time.time() % DIGEST_S < DIGEST_S / 3, DIGEST_S, "the start of a digest window")
    for n in range(3):
        run.send(make_alert(n, Severity.MEDIUM, "digest"))
    run.send(make_alert(9, Severity.CRITICAL, "digest"))
    wait_until(lambda: len(run.http.bodies("/chat")) >= 1, 10, "the critical alert in the chat")
    first = run.http.bodies("/chat")[0]
    assert first["text"].startswith("kansa: [重大] DR-32")  # at once, not held for the digest
    wait_until(lambda: len(run.http.bodies("/chat")) >= 2, DIGEST_S * 2, "the digest")
    wait_until(lambda: run.queue_depth() == 0, 30, "an empty outbox")
    chats = run.http.bodies("/chat")
    assert len(chats) == 2
    assert chats[1]["text"].startswith("kansa: 3 件のアラート（chat のまとめ通知）")
    assert len(run.http.keys("/soc")) == 4  # the webhook route has no digest: four alerts, four calls


def test_a_refused_alert_goes_to_the_dead_letter_and_is_listed(run: RouterRun) -> None:
    run.http.status = 400  # the receiver rejects the payload: retrying cannot help
    run.http.start()
    run.services.start("router")
    run.wait_for_metrics()
    alert = make_alert(1, Severity.HIGH, "refused")
    # A record that is not an alert is kept in the dead-letter topic too, never skipped silently.
    run.producer.send(run.config.alerts_topic, key=b"141003|x", value=b'{"not": "an alert"}').get(timeout=30)
    run.send(alert)
    wait_until(lambda: run.metric("kansa_router_dead_letters_total") == 3, 60, "the dead letters")
    assert len(run.http.keys("/soc")) == 1  # tried once, not retried
    listed = subprocess.run(
        [sys.executable, "-m", "kansa_cli.main", "router", "dead-letters"], capture_output=True, text=True,
        env={**os.environ, **run.config.environment()}, timeout=120, check=True,
    )
    # The chat route posts to the same receiver: refused too. E-mail is up: delivered.
    for route in ("soc", "chat"):
        assert f"{TENANT}  {route}  {alert.alert_id}  DR-32  attempts=1  " in listed.stdout
    assert listed.stdout.count("HTTP 400") == 2 and "3 dead letter(s)" in listed.stderr
    assert "(unreadable record)  not a valid alert" in listed.stdout
    assert [m["X-Kansa-Idempotency-Key"] for m in run.smtp.messages] == [alert.alert_id]
