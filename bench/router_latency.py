"""Event-to-notification latency at a steady event rate, on the local stack.

A violation-free simulated month is replayed through the ingest API at --rate events/s, re-timed to the moment
it is sent (so the detector sees live traffic); once a second an export without approval (DR-32) is mixed in.
The detector raises the alert and the router posts it to a local webhook receiver, which notes the arrival.
Prints p50/p99/max of (arrival − the export's event time), and the rate actually sent.
Run from the repository root: `.venv/bin/python -m bench.router_latency` (it uses the tests' HTTP receiver).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from kansa_cli import stack
from kansa_cli.pipeline import PipelineConfig, Services, consumer_lag, wait_until
from kansa_ingest.simulator.run import simulate, write
from tests.receivers import HttpReceiver

TENANT = "131016"
JST = dt.timezone(dt.timedelta(hours=9))


def _probe(n: int, staff: str) -> dict[str, object]:
    return {
        "event_id": f"probe-{n}-{uuid.uuid4().hex[:8]}", "occurred_at": dt.datetime.now(JST).isoformat(),
        "tenant": TENANT, "source_system": "common-platform", "actor": {"id": staff, "type": "staff"},
        "terminal_id": "T-bench", "action": "export.executed", "request_id": f"BENCH-{n}", "device_id": "USB-bench",
        "device_registered": True, "encrypted": True, "file_id": f"F-{n}", "file_hash": "a" * 64, "record_count": 1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=int, default=1000, help="events per second")
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    endpoints = stack.up()
    work = Path(tempfile.mkdtemp(prefix="kansa-bench-router-"))
    paths = write(simulate(TENANT, "2026-10", 3, events=max(20_000, args.rate * args.seconds), violations=False),
                  work / "sim")
    (work / "reference").mkdir()
    shutil.copy(paths["reference"], work / "reference" / f"{TENANT}.json")
    receiver = HttpReceiver(18099)
    receiver.start()
    tenants = work / "tenants" / TENANT
    tenants.mkdir(parents=True)
    (tenants / "routes.yaml").write_text(
        f'routes:\n  - {{name: soc, channel: webhook, url: "{receiver.url}/soc", secret_env: KANSA_BENCH_KEY, '
        f"rules: [DR-32]}}\n", encoding="utf-8")
    os.environ["KANSA_BENCH_KEY"] = "bench"
    config = PipelineConfig(namespace=f"bench-router-{int(time.time())}", bootstrap=endpoints.kafka_bootstrap,
                            elasticsearch_url=endpoints.elasticsearch_url, reference_dir=work / "reference",
                            tenants_dir=work / "tenants", tenant=TENANT, token="bench-token", ingest_port=18088,
                            detector_metrics_port=19464, indexer_metrics_port=19465, router_metrics_port=19466,
                            lateness_s=1.0)
    services = Services(config, work / "logs")
    lines = paths["events"].read_text(encoding="utf-8").splitlines()
    staff = json.loads(lines[0])["actor"]["id"]
    sent_events = 0
    try:
        for name in ("ingest", "detector", "indexer", "router"):
            services.start(name)
        services.wait_for_ingest()
        client = httpx.Client(base_url=config.ingest_url, timeout=30, headers={
            "Authorization": f"Bearer {config.token}", "Content-Type": "application/x-ndjson"})
        client.post("/v1/events", content=json.dumps(_probe(-1, staff)))
        wait_until(lambda: bool(receiver.bodies("/soc")), 120, "the warm-up alert")
        per_tick, tick = args.rate // 10, 0.1
        started = time.monotonic()
        probes = 0
        for step in range(args.seconds * 10):
            batch = []
            for raw in lines[step * per_tick:(step + 1) * per_tick]:
                event = json.loads(raw)
                event["occurred_at"] = dt.datetime.now(JST).isoformat()
                batch.append(json.dumps(event, ensure_ascii=False))
            if step % 10 == 0:
                batch[-1] = json.dumps(_probe(probes, staff))
                probes += 1
            response = client.post("/v1/events", content="\n".join(batch))
            response.raise_for_status()
            sent_events += len(batch)
            behind = started + (step + 1) * tick - time.monotonic()
            if behind > 0:
                time.sleep(behind)  # pacing the load generator, not waiting for a result
        sending_s = time.monotonic() - started
        detector_lag = consumer_lag(config.bootstrap, config.app_id, [config.events_topic])
        indexer_lag = consumer_lag(config.bootstrap, config.indexer_group, [config.events_topic])
        wait_until(lambda: len(receiver.bodies("/soc")) >= probes + 1, 300, "every probe's alert")
    finally:
        services.stop_all()
        receiver.stop()
    latencies = []
    for (_, _, body), arrived in zip(receiver.requests, receiver.arrived, strict=True):
        alert = json.loads(body)["alerts"][0]
        if alert["event_ids"][0].startswith("probe-") and not alert["event_ids"][0].startswith("probe--1"):
            latencies.append(arrived - dt.datetime.fromisoformat(alert["occurred_at"]).timestamp())
    latencies.sort()
    print(f"sent {sent_events:,} events in {sending_s:.1f} s ({sent_events / sending_s:,.0f} events/s), "
          f"{len(latencies)} probes notified")
    print(f"backlog when sending stopped: detector {detector_lag:,} events, indexer {indexer_lag:,} events")
    print(f"event-to-notification latency: p50 {statistics.median(latencies):.2f} s, "
          f"p99 {latencies[max(0, int(len(latencies) * 0.99) - 1)]:.2f} s, max {latencies[-1]:.2f} s")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
