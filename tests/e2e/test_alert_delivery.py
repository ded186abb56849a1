"""An export without approval, posted to the ingest API, reaches the officers' e-mail and webhook within 5 s:
HTTP ingest -> Kafka -> faust detector -> alerts topic -> router -> real SMTP server and HTTP receiver."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kansa_cli.pipeline import PipelineConfig, Services, wait_until
from kansa_schemas.reference import ReferenceBundle, RegisteredMedium, StaffRecord
from tests.conftest import Stack, free_port
from tests.receivers import HttpReceiver, SmtpReceiver

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
TENANT = "271403"
JST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture()
def pipeline(stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[
        tuple[PipelineConfig, Services, HttpReceiver, SmtpReceiver]]:
    http, smtp = HttpReceiver(free_port()), SmtpReceiver(free_port())
    http.start()
    smtp.start()
    reference_dir, tenants = tmp_path / "reference", tmp_path / "tenants"
    reference_dir.mkdir()
    (tenants / TENANT).mkdir(parents=True)
    staff = (StaffRecord(staff_id="s001", org_unit="kodomo", supervisor_id="s900", may_use_mynumber=True),
             StaffRecord(staff_id="s900", org_unit="kodomo"))
    bundle = ReferenceBundle(tenant=TENANT, valid_from=dt.datetime(2026, 4, 1, tzinfo=JST), staff=staff,
                             registered_media=(RegisteredMedium(device_id="USB-1", org_unit="kodomo",
                                                                registered_on=dt.date(2026, 4, 1)),),
                             export_applicants=("s001",))
    (reference_dir / f"{TENANT}.json").write_text(bundle.model_dump_json())
    (tenants / TENANT / "routes.yaml").write_text(f"""routes:
  - {{name: soc, channel: webhook, url: "{http.url}/soc", secret_env: KANSA_TEST_SOC_KEY, rules: [DR-32]}}
  - {{name: officers, channel: email, to: [security@city.example.lg.jp], rules: [DR-32]}}
""", encoding="utf-8")
    monkeypatch.setenv("KANSA_TEST_SOC_KEY", "e2e-secret")
    config = PipelineConfig(
        namespace=f"test.{stack.run_id}.delivery", bootstrap=stack.kafka_bootstrap,
        elasticsearch_url=stack.elasticsearch_url, reference_dir=reference_dir, tenants_dir=tenants,
        ingest_port=free_port(), detector_metrics_port=free_port(), indexer_metrics_port=free_port(),
        router_metrics_port=free_port(), smtp_port=smtp.port, lateness_s=1.0, tenant=TENANT,
        token=f"token-{TENANT}",
    )
    services = Services(config, tmp_path / "logs")
    for name in ("ingest", "detector", "router"):
        services.start(name)
    services.wait_for_ingest()
    yield config, services, http, smtp
    services.stop_all()
    http.stop()
    smtp.stop()


def _export(request_id: str) -> dict[str, object]:
    return {
        "event_id": f"ev-{uuid.uuid4().hex[:12]}", "occurred_at": dt.datetime.now(JST).isoformat(),
        "tenant": TENANT, "source_system": "common-platform", "actor": {"id": "s001", "type": "staff"},
        "terminal_id": "T-1", "session_id": "sess-1", "action": "export.executed", "request_id": request_id,
        "device_id": "USB-1", "device_registered": True, "encrypted": True, "file_id": f"F-{request_id}",
        "file_hash": "a" * 64, "record_count": 12,
    }


def _post(config: PipelineConfig, event: dict[str, object]) -> None:
    response = httpx.post(f"{config.ingest_url}/v1/events", content=json.dumps(event),
                          headers={"Authorization": f"Bearer {config.token}", "Content-Type": "application/json"},
                          timeout=10)
    assert response.status_code == 200, response.text


def test_export_without_approval_is_mailed_and_posted_within_five_seconds(
        pipeline: tuple[PipelineConfig, Services, HttpReceiver, SmtpReceiver]) -> None:
    config, services, http, smtp = pipeline

    def delivered(request_id: str) -> bool:
        services.check_alive()
        posted = {a["alert_id"] for b in http.bodies("/soc") for a in b["alerts"] if a["key"].endswith(request_id)}
        return bool(posted) and posted <= {m["X-Kansa-Idempotency-Key"] for m in smtp.messages}

    # Warm-up: the worker has its partitions and the router its group before the clock starts.
    _post(config, _export("REQ-WARM"))
    wait_until(lambda: delivered("REQ-WARM"), 120, "the warm-up alert at both receivers")

    started = time.monotonic()
    _post(config, _export("REQ-TIMED"))
    wait_until(lambda: delivered("REQ-TIMED"), 10, "the alert at both receivers", interval=0.05)
    elapsed = time.monotonic() - started
    assert elapsed <= 5.0, f"{elapsed:.2f} s from ingest to notification"
    assert [b["alerts"][0]["rule_id"] for b in http.bodies("/soc")] == ["DR-32", "DR-32"]
    assert all(m["Subject"].startswith("[kansa][重大] DR-32") for m in smtp.messages)
