"""A simulated month through the real pipeline: HTTP ingest -> Kafka -> faust detector -> Elasticsearch.

Each test uses its own tenant, topics and consumer groups, so they neither see each other nor earlier runs.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kansa_cli.demo import delete_tenant_indices, indexed_alerts, indexed_event_count, read_ndjson, score
from kansa_cli.pipeline import PipelineConfig, Services, post_file, wait_until, wait_until_settled
from kansa_detector.reference_files import FileReferenceProvider
from kansa_detector.replay import replay
from kansa_detector.settings import DetectorSettings
from kansa_ingest.simulator.run import simulate, write
from kansa_reporter.es_queries import monthly_data
from kansa_reporter.period import Month as ReportMonth
from kansa_reporter.report.render import render_monthly
from kansa_reporter.report.rules import reported_rules
from kansa_schemas.events import parse_event_json
from kansa_schemas.rule import load_catalogue
from tests.conftest import Stack, consume, free_port
from tests.e2e.leaks import personal_numbers_in_indices, personal_numbers_in_topics

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
RULES = load_catalogue(DetectorSettings().rules_dir).ids
EVENTS = 20_000
BATCH = 1000



@dataclass
class Month:
    config: PipelineConfig
    services: Services
    paths: dict[str, Path]


@pytest.fixture()
def month(stack: Stack, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Month]:
    tenant, violations = request.param
    paths = write(simulate(tenant, "2026-10", seed=11, events=EVENTS, violations=violations), tmp_path / "sim")
    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    shutil.copy(paths["reference"], reference_dir / f"{tenant}.json")
    delete_tenant_indices(stack.es, tenant)
    config = PipelineConfig(
        namespace=f"test.{stack.run_id}.e2e-{tenant}", bootstrap=stack.kafka_bootstrap,
        elasticsearch_url=stack.elasticsearch_url, reference_dir=reference_dir, ingest_port=free_port(),
        detector_metrics_port=free_port(), indexer_metrics_port=free_port(), tenant=tenant,
        token=f"token-{tenant}",
    )
    services = Services(config, tmp_path / "logs")
    for name in ("ingest", "detector", "indexer"):
        services.start(name)
    services.wait_for_ingest()
    yield Month(config, services, paths)
    services.stop_all()


def assert_no_personal_numbers(stack: Stack, config: PipelineConfig) -> None:
    assert personal_numbers_in_topics(stack.kafka_bootstrap, config.namespace) == []
    assert personal_numbers_in_indices(stack.es, f"kansa-*-{config.tenant}-*") == []


@pytest.mark.parametrize("month", [("011002", True)], indirect=True)
def test_every_injected_violation_is_an_alert(month: Month, stack: Stack) -> None:
    posted = post_file(month.config, month.paths["events"], batch_size=BATCH)
    assert posted.rejected == 0 and posted.accepted > 0.95 * EVENTS
    wait_until_settled(month.services)

    assert indexed_event_count(stack.es, month.config.tenant) == posted.accepted
    truth = read_ndjson(month.paths["truth"])
    result = score(truth, indexed_alerts(stack.es, month.config.tenant))
    assert {r["rule_id"] for r in truth} == set(RULES)
    for rule_id in RULES:
        assert result.rules[rule_id].recall == 1.0, (rule_id, result.missed)
    assert result.unmatched == [], "alerts that match no injected violation"
    assert_no_personal_numbers(stack, month.config)

    # Replay over the events exactly as the live detector read them (masked), put back in time order as an
    # exported log would be, gives the same alerts.
    records = consume(stack.kafka_bootstrap, month.config.events_topic, posted.accepted)
    parsed = [(parse_event_json(r.value), r.value) for r in records]
    live_events = [raw for event, raw in sorted(parsed, key=lambda pair: (pair[0].occurred_at, pair[0].event_id))]
    reference = FileReferenceProvider(month.config.reference_dir)
    replayed = replay(live_events, load_catalogue(DetectorSettings().rules_dir), reference,
                      dt.timedelta(seconds=month.config.lateness_s))
    live = {a["alert_id"]: (a["rule_id"], a["count"]) for a in indexed_alerts(stack.es, month.config.tenant)}
    assert {a.alert_id: (a.rule_id, a.count) for a in replayed} == live

    # The monthly report shows each violated rule in its area's section and in the results table, with its
    # assessment reference and the number of alerts Elasticsearch holds for it.
    tenant = month.config.tenant
    catalogue = load_catalogue(DetectorSettings().rules_dir)
    html = render_monthly(monthly_data(stack.es, tenant, ReportMonth.parse("2026-10")),
                          rules=reported_rules(catalogue, tenant))
    per_rule = Counter(a["rule_id"] for a in indexed_alerts(stack.es, tenant))
    for rule_id in RULES:
        spec = catalogue.entry(rule_id).spec
        rows = [row.split("</tr>", 1)[0] for row in html.split(f'<tr data-rule="{rule_id}">')[1:]]
        expected = f"該当あり（アラート {per_rule[rule_id]} 件"
        assert rows and all(expected in row and spec.refs.assessments[0] in row for row in rows), rule_id
        if spec.area.value != "composite":
            section = html.split(f"-{spec.area.value}\">", 1)[1].split("</section>", 1)[0]
            assert f'data-rule="{rule_id}"' in section, (rule_id, spec.area.value)


@pytest.mark.parametrize("month", [("261009", False)], indirect=True)
def test_a_violation_free_month_raises_no_alert(month: Month, stack: Stack) -> None:
    posted = post_file(month.config, month.paths["events"], batch_size=BATCH)
    assert posted.rejected == 0
    assert read_ndjson(month.paths["truth"]) == []
    wait_until_settled(month.services)

    assert indexed_event_count(stack.es, month.config.tenant) == posted.accepted
    assert indexed_alerts(stack.es, month.config.tenant) == []


@pytest.mark.parametrize("month", [("401005", True)], indirect=True)
def test_killing_detector_and_indexer_mid_stream_loses_and_duplicates_nothing(month: Month, stack: Stack) -> None:
    config, services = month.config, month.services
    batches = -(-sum(1 for _ in month.paths["events"].open()) // BATCH)
    first = post_file(config, month.paths["events"], batch_size=BATCH, stop_after=batches // 2)
    # Kill while both are busy: some events indexed, far from all.
    wait_until(lambda: indexed_event_count(stack.es, config.tenant) >= BATCH, 120, "the first events indexed")
    assert indexed_event_count(stack.es, config.tenant) < first.accepted
    services.kill("detector")
    services.kill("indexer")
    second = post_file(config, month.paths["events"], batch_size=BATCH, skip=batches // 2)
    services.start("detector")
    services.start("indexer")
    wait_until_settled(services)

    # Document ids are event ids (one index per event month), so equal counts mean none lost and none twice.
    accepted = first.accepted + second.accepted
    assert indexed_event_count(stack.es, config.tenant) == accepted
    es_alerts = indexed_alerts(stack.es, config.tenant)
    result = score(read_ndjson(month.paths["truth"]), es_alerts)
    recall = {rule_id: result.rules[rule_id].recall for rule_id in RULES}
    assert {r: v for r, v in recall.items() if v != 1.0} == {}, result.missed
    assert result.unmatched == []
    assert_no_personal_numbers(stack, config)
