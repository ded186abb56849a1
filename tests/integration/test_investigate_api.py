"""The investigation API (issue #5) against the real Elasticsearch and Kafka: every filter, deep pagination on a
point in time, raw-number search that leaves the number nowhere, per-resident histories, tenant and role checks
(refusals audited), clear 4xx answers to malformed queries, and append-only alert triage.

Data is indexed the way the indexer does it (`event_document` / `alert_document` of the real pydantic models), and
the audit records are read back from the API's real Kafka audit topic."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import random
import secrets
import shutil
import subprocess
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from elasticsearch import Elasticsearch, helpers
from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from kansa_schemas import mynumber
from kansa_schemas.alert import Alert, LocalisedText, Severity, alert_id_for
from kansa_schemas.events import ACTION_FAMILIES, Event, parse_event, parse_event_json
from kansa_schemas.events.audit import AuditEvent
from kansa_schemas.indices import JST
from tests.conftest import Stack
from tests.integration.conftest import ApiServer
from tests.integration.seed import index_alerts, index_events

pytestmark = pytest.mark.integration
DETECTED = "2026-11-20T00:00:00Z"  # when the indexer saw the test alerts

# --- helpers -----------------------------------------------------------------------------------------------------


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _event(tenant: str, event_id: str, action: str, at: str | dt.datetime, actor: str = "stf-a",
           org_unit: str | None = None, **fields: Any) -> Event:
    """A real event model (validated by the discriminated union, as ingest does)."""
    who: dict[str, Any] = {"id": actor}
    if org_unit:
        who["org_unit"] = org_unit
    return parse_event({"event_id": event_id, "occurred_at": at, "tenant": tenant, "source_system": "JUMIN-KIKAN",
                        "actor": who, "action": action, **fields})


def _auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _post(api: ApiServer, tenant: str, path: str, token: str | None, body: Any,
          params: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(f"{api.base_url}/v1/tenants/{tenant}/{path}", json=body, params=params, headers=_auth(token),
                      timeout=60)


def _get(api: ApiServer, tenant: str, path: str, token: str | None,
         params: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.get(f"{api.base_url}/v1/tenants/{tenant}/{path}", params=params, headers=_auth(token), timeout=60)


def _search(api: ApiServer, tenant: str, token: str | None, body: dict[str, Any]) -> httpx.Response:
    return _post(api, tenant, "events/search", token, body)


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [hit["_id"] for hit in response.json()["hits"]]


def _audit_records(stack: Stack, api: ApiServer) -> list[ConsumerRecord]:
    """Every record on the API's audit topic so far. The API answers only after Kafka acknowledged its audit record,
    so reading up to the end offsets taken now sees every request already answered."""
    consumer = KafkaConsumer(bootstrap_servers=stack.kafka_bootstrap, enable_auto_commit=False, group_id=None)
    try:
        partitions = [TopicPartition(api.audit_topic, p) for p in sorted(consumer.partitions_for_topic(
            api.audit_topic) or ())]
        assert partitions, "the audit topic has no partitions"
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        records: list[ConsumerRecord] = []
        for _ in range(200):
            if all(consumer.position(p) >= end[p] for p in partitions):
                break
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        else:
            raise AssertionError("could not read the audit topic to its end")
        return records
    finally:
        consumer.close()


def _audits(stack: Stack, api: ApiServer, tenant: str) -> list[AuditEvent]:
    """The tenant's audit events, each parsed as the pipeline would (parse_event_json) and checked to be one."""
    events = []
    for record in _audit_records(stack, api):
        event = parse_event_json(record.value)
        assert isinstance(event, AuditEvent), record.value
        if event.tenant == tenant:
            assert record.key == f"{tenant}|{event.actor.id}".encode()
            assert dict(record.headers)["kansa-family"] == b"audit"
            events.append(event)
    return events


@pytest.fixture
def other_tenant(es: Elasticsearch, tenant: str) -> Iterator[str]:
    """A second fresh tenant, its indices deleted afterwards."""
    while True:
        code = f"{secrets.randbelow(900_000) + 100_000}"
        if code != tenant and not es.indices.exists(index=f"kansa-*-{code}-*", allow_no_indices=False,
                                                    ignore_unavailable=True):
            break
    yield code
    names = list(es.indices.get(index=f"kansa-*-{code}-*,kansa-triage-{code}", allow_no_indices=True,
                                ignore_unavailable=True).body)
    if names:
        es.indices.delete(index=names)


def _new_number() -> str:
    """A valid personal number no other test uses (random, so it cannot be in any index by chance)."""
    return mynumber.make_valid(f"{secrets.randbelow(9 * 10**10) + 10**10:011d}")


def _wrong_check_digit(number: str) -> str:
    return number[:11] + str((int(number[11]) + 1) % 10)


HASH = "a" * 64


# --- 1. every filter, sorted by time, counts per JST day and actor ------------------------------------------------


def _filter_corpus(tenant: str, ref_a: str, ref_b: str) -> list[Event]:
    """Each filter below picks a non-empty proper subset; times cross a JST day and a JST month boundary that UTC
    would put elsewhere, and are indexed out of time order."""
    e = _event
    return [
        e(tenant, "f-05", "record.update", "2026-10-31T23:30:00+09:00", "stf-b", terminal_id="T-2",
          business_code="JIDO", subject_ref=ref_a, case_id="CASE-2", reason="児童手当 認定 審査"),
        e(tenant, "f-01", "record.view", "2026-10-05T09:00:00+09:00", "stf-a", org_unit="U10", terminal_id="T-1",
          business_code="JUMIN", subject_ref=ref_a, case_id="CASE-1", reason="住所変更の確認"),
        e(tenant, "f-07", "export.requested", "2026-10-31T15:30:00+00:00", "stf-a", terminal_id="T-3",
          request_id="req-1", applicant_id="stf-a", file_id="file-77", file_hash=HASH, device_id="USB-1",
          record_count=3, purpose="年次統計 提出"),
        e(tenant, "f-02", "mynumber.search", "2026-10-05T09:30:00+09:00", "stf-b", terminal_id="T-2",
          business_code="KOKUHO", subject_ref=ref_b, outcome="denied"),
        e(tenant, "f-04", "auth.login", "2026-10-07T00:00:00+09:00", "stf-c", terminal_id="T-1", outcome="error"),
        e(tenant, "f-03", "export.executed", "2026-10-06T23:59:59+09:00", "stf-a", terminal_id="T-3",
          device_id="USB-1", device_registered=True, encrypted=True, file_id="annual-stats-file", file_hash=HASH,
          record_count=120),
        e(tenant, "f-06", "case.received", "2026-10-01T10:00:00+09:00", "stf-c", business_code="JUMIN",
          subject_ref=ref_a, case_id="CASE-1"),
        e(tenant, "f-08", "record.view", "2026-11-02T08:00:00+09:00", "stf-d", terminal_id="T-4",
          business_code="JUMIN", subject_ref=ref_b, reason="窓口での本人確認"),
        # Officers' own trail: only an administrator's search lists it.
        e(tenant, "f-09", "audit.search", "2026-10-08T12:00:00+09:00", "officer-x", endpoint="api POST /x",
          query='{"actor": "stf-a"}', result_count=3, http_status=200, role="officer"),
    ]


def _case_id(event: Event) -> str | None:
    return getattr(event, "case_id", None)


def test_each_filter_returns_exactly_the_matching_events_in_time_order(
        api_server: ApiServer, es: Elasticsearch, tenant: str) -> None:
    number_a, number_b = _new_number(), _new_number()
    key = api_server.settings.tenant_key(tenant)
    ref_a, ref_b = mynumber.tokenise(number_a, key), mynumber.tokenise(number_b, key)
    corpus = _filter_corpus(tenant, ref_a, ref_b)
    index_events(es, corpus)
    officer = api_server.token("officer", tenant, user="officer-filters")
    visible = sorted((ev for ev in corpus if ev.action.split(".")[0] != "audit"), key=lambda ev: ev.occurred_at)
    assert len({ev.occurred_at for ev in visible}) == len(visible), "distinct times: the order is unambiguous"

    cases: list[tuple[dict[str, Any], Callable[[Event], bool]]] = [
        ({"actor": "stf-a"}, lambda ev: ev.actor.id == "stf-a"),
        ({"subject_ref": ref_a}, lambda ev: ev.subject_ref == ref_a),
        ({"number": number_a}, lambda ev: ev.subject_ref == ref_a),
        ({"number": f"{number_b[:4]}-{number_b[4:8]}-{number_b[8:]}"}, lambda ev: ev.subject_ref == ref_b),
        ({"terminal": "T-1"}, lambda ev: ev.terminal_id == "T-1"),
        ({"family": "data_use"}, lambda ev: ACTION_FAMILIES[ev.action] == "data_use"),
        ({"family": "export_media"}, lambda ev: ACTION_FAMILIES[ev.action] == "export_media"),
        ({"action": "record.view"}, lambda ev: ev.action == "record.view"),
        ({"business": "JUMIN"}, lambda ev: ev.business_code == "JUMIN"),
        ({"case": "CASE-1"}, lambda ev: _case_id(ev) == "CASE-1"),
        ({"outcome": "denied"}, lambda ev: ev.outcome.value == "denied"),
        ({"outcome": "error"}, lambda ev: ev.outcome.value == "error"),
        # from inclusive, to exclusive, in different zones.
        ({"from": "2026-10-06T23:59:59+09:00", "to": "2026-10-31T15:30:00Z"},
         lambda ev: _at("2026-10-06T23:59:59+09:00") <= ev.occurred_at < _at("2026-10-31T15:30:00+00:00")),
        ({"from": "2026-10-31T15:30:00Z"}, lambda ev: ev.occurred_at >= _at("2026-10-31T15:30:00+00:00")),
        ({"to": "2026-10-05T09:30:00+09:00"}, lambda ev: ev.occurred_at < _at("2026-10-05T09:30:00+09:00")),
        ({"text": "児童手当"}, lambda ev: ev.event_id == "f-05"),
        ({"text": "年次統計"}, lambda ev: ev.event_id == "f-07"),
        ({"text": "annual-stats-file"}, lambda ev: ev.event_id == "f-03"),
        ({"actor": "stf-b", "outcome": "success"}, lambda ev: ev.actor.id == "stf-b" and ev.outcome.value == "success"),
    ]
    for body, matches in cases:
        expected = [ev.event_id for ev in visible if matches(ev)]
        assert 0 < len(expected) < len(visible), f"{body} must discriminate"
        answer = _search(api_server, tenant, officer, {**body, "size": 100})
        assert _ids(answer) == expected, body
        assert answer.json()["total"] == len(expected), body
        assert answer.json()["next_cursor"] is None
        stamps = [_at(hit["@timestamp"]) for hit in answer.json()["hits"]]
        assert stamps == sorted(stamps)

    # No filter: every event but the audit trail, oldest first; an administrator also sees the audit event.
    assert _ids(_search(api_server, tenant, officer, {"size": 100})) == [ev.event_id for ev in visible]
    admin = api_server.token("admin", tenant, user="admin-filters")
    assert _ids(_search(api_server, tenant, admin, {"family": "audit"})) == ["f-09"]

    # Counts per JST day and per actor are what was indexed (f-07 is 31 Oct in UTC but 1 Nov in Japan).
    by_day = Counter(ev.occurred_at.astimezone(JST).date().isoformat() for ev in visible)
    counts = _post(api_server, tenant, "events/counts", officer, {"by": "day"})
    assert counts.status_code == 200, counts.text
    assert counts.json()["total"] == len(visible)
    assert [(b["key"], b["count"]) for b in counts.json()["buckets"]] == sorted(by_day.items())
    assert by_day["2026-11-01"] == 1 and by_day["2026-10-06"] == 1 and by_day["2026-10-07"] == 1

    by_actor = Counter(ev.actor.id for ev in visible)
    counts = _post(api_server, tenant, "events/counts", officer, {"by": "actor"})
    assert [(b["key"], b["count"]) for b in counts.json()["buckets"]] == sorted(
        by_actor.items(), key=lambda kv: (-kv[1], kv[0]))
    data_use = Counter(ev.actor.id for ev in visible if ACTION_FAMILIES[ev.action] == "data_use")
    counts = _post(api_server, tenant, "events/counts", officer, {"by": "actor", "family": "data_use"})
    assert {b["key"]: b["count"] for b in counts.json()["buckets"]} == dict(data_use)
    assert counts.json()["total"] == sum(data_use.values())

    # One event by id; the audit event stays hidden from an officer.
    one = _get(api_server, tenant, "events/f-03", officer)
    assert one.status_code == 200 and one.json()["kansa"]["file_id"] == "annual-stats-file"
    assert _get(api_server, tenant, "events/f-09", officer).status_code == 404


def test_a_number_typed_into_free_text_is_searched_as_its_token(
        api_server: ApiServer, es: Elasticsearch, tenant: str) -> None:
    """Ingest stores a number found in free text as its token; the same number typed into the text filter must
    find it (and never reach Elasticsearch in clear)."""
    number = _new_number()
    ref = mynumber.tokenise(number, api_server.settings.tenant_key(tenant))
    index_events(es, [
        _event(tenant, "t-1", "record.view", "2026-10-02T10:00:00+09:00", reason=f"本人申出 {ref} 確認"),
        _event(tenant, "t-2", "record.view", "2026-10-02T11:00:00+09:00", reason="本人申出 確認"),
    ])
    officer = api_server.token("officer", tenant, user="officer-text")
    assert _ids(_search(api_server, tenant, officer, {"text": number})) == ["t-1"]
    assert _ids(_search(api_server, tenant, officer, {"text": f"本人申出 {number}"})) == ["t-1"]


# --- 2. more than 10,000 hits: every event once, in order, stable under concurrent writes -----------------------


def test_pagination_beyond_ten_thousand_hits_is_complete_ordered_and_stable(
        api_server: ApiServer, es: Elasticsearch, tenant: str) -> None:
    start = _at("2026-10-31T20:00:00+09:00")  # crosses into November (JST): two monthly indices
    # Three events share each timestamp, so the tie-breaker decides the order within one time.
    events = [_event(tenant, f"p-{i:05d}", "record.view", start + dt.timedelta(seconds=5 * (i // 3)),
                     f"stf-{i % 37}", terminal_id=f"T-{i % 5}") for i in range(10_500)]
    random.Random(5).shuffle(events)
    index_events(es, events)
    by_id = {ev.event_id: ev for ev in events}
    officer = api_server.token("officer", tenant, user="officer-pages")
    body = {"action": "record.view", "size": 1000}

    first = _search(api_server, tenant, officer, body)
    assert first.status_code == 200, first.text
    assert first.json()["total"] == 10_500 and len(first.json()["hits"]) == 1000
    cursor = first.json()["next_cursor"]
    assert cursor

    # A cursor is bound to its filters.
    other = _search(api_server, tenant, officer, {**body, "actor": "stf-1", "cursor": cursor})
    assert other.status_code == 400, other.text
    assert other.json()["error"]["path"] == "cursor" and "other filters" in other.json()["error"]["message"]

    # Writes during the pagination: some fall after the first page, some at the end. The point in time hides them.
    late = [_event(tenant, f"late-{i:03d}", "record.view", start + dt.timedelta(seconds=37 * i + 1), "stf-late")
            for i in range(300)]
    index_events(es, late)

    seen = [hit["_id"] for hit in first.json()["hits"]]
    pages = 1
    while cursor:
        page = _search(api_server, tenant, officer, {**body, "cursor": cursor})
        assert page.status_code == 200, page.text
        assert page.json()["total"] == 10_500
        seen += [hit["_id"] for hit in page.json()["hits"]]
        cursor = page.json()["next_cursor"]
        pages += 1
        assert pages <= 12
    assert pages == 11
    assert len(seen) == 10_500 and set(seen) == set(by_id), "every event exactly once, none of the late ones"
    times = [by_id[i].occurred_at for i in seen]
    assert times == sorted(times)

    # A new search sees the late events: the stability above came from the point in time.
    fresh = _search(api_server, tenant, officer, {**body, "size": 1})
    assert fresh.json()["total"] == 10_800
    counts = _post(api_server, tenant, "events/counts", officer, {"by": "actor", "action": "record.view"})
    assert counts.json()["total"] == 10_800
    assert {b["key"]: b["count"] for b in counts.json()["buckets"]} == dict(
        Counter(ev.actor.id for ev in [*events, *late]))


# --- 3. raw-number search and per-resident history; the number is nowhere -----------------------------------------


def _history_corpus(tenant: str, ref: str, other_ref: str) -> list[Event]:
    e = _event
    return [
        # The cases: C-W1 received 1 June, C-W2 opened 30 October (only as justification, not as accesses).
        e(tenant, "h-case-1", "case.received", "2026-06-01T10:00:00+09:00", "stf-desk", subject_ref=ref,
          case_id="C-W1", business_code="JUMIN"),
        e(tenant, "h-case-2", "case.opened", "2026-10-30T10:00:00+09:00", "stf-desk", subject_ref=ref,
          case_id="C-W2", business_code="JIDO"),
        # Accesses: recorded case; 30 days after C-W1; 141 days after C-W1 and 10 days before C-W2 (none);
        # 5 days before C-W2 (window, +7 days).
        e(tenant, "h-1", "record.view", "2026-06-10T09:00:00+09:00", "stf-a", org_unit="U-SHIMIN",
          terminal_id="T-1", business_code="JUMIN", subject_ref=ref, case_id="C-REC"),
        e(tenant, "h-2", "mynumber.search", "2026-07-01T09:00:00+09:00", "stf-b", org_unit="U-KOKUHO",
          terminal_id="T-2", business_code="KOKUHO", subject_ref=ref),
        e(tenant, "h-3", "record.print", "2026-10-20T09:00:00+09:00", "stf-c", org_unit="U-ZEIMU",
          terminal_id="T-3", business_code="ZEIMU", subject_ref=ref, outcome="denied"),
        e(tenant, "h-4", "record.view", "2026-10-25T09:00:00+09:00", "stf-a", org_unit="U-SHIMIN",
          terminal_id="T-1", business_code="JIDO", subject_ref=ref),
        # Another resident.
        e(tenant, "h-other", "record.view", "2026-10-25T10:00:00+09:00", "stf-a", subject_ref=other_ref),
    ]


def _capture_every_logger(caplog: pytest.LogCaptureFixture) -> Callable[[], None]:
    """caplog's handler on the root logger at DEBUG (stricter than the INFO a deployment logs at), and on uvicorn's
    loggers, which do not propagate. Not on uvicorn.access: the API runs with uvicorn's access log off (it would
    print raw URLs; the app writes a masked one), and uvicorn switches it back on if that logger has a handler."""
    caplog.set_level(logging.DEBUG)
    restore: list[tuple[logging.Logger, int]] = []
    for name in ("uvicorn", "uvicorn.error", "kansa_investigate", "kansa_investigate.access"):
        logger = logging.getLogger(name)
        restore.append((logger, logger.level))
        logger.setLevel(logging.DEBUG)
        if not logger.propagate:
            logger.addHandler(caplog.handler)

    def undo() -> None:
        for logger, level in restore:
            logger.setLevel(level)
            if caplog.handler in logger.handlers:
                logger.removeHandler(caplog.handler)

    return undo


def _pdf_text(pdf: bytes) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True,
                          timeout=60).stdout.decode()


def test_raw_number_search_and_history_leave_the_number_in_no_log_index_or_topic(
        stack: Stack, api_server: ApiServer, es: Elasticsearch, tenant: str,
        caplog: pytest.LogCaptureFixture) -> None:
    number = _new_number()
    spaced = f"{number[:4]} {number[4:8]} {number[8:]}"
    hyphenated = f"{number[:4]}-{number[4:8]}-{number[8:]}"
    key = api_server.settings.tenant_key(tenant)
    ref = mynumber.tokenise(number, key)
    corpus = _history_corpus(tenant, ref, mynumber.tokenise(_new_number(), key))
    index_events(es, corpus)
    alert = _alert(tenant, "n", "DR-23", Severity.HIGH, "stf-c", "2026-10-20T09:00:00+09:00", ("h-3",))
    index_alerts(es, [alert], DETECTED)
    officer = api_server.token("officer", tenant, user="officer-number")
    viewer = api_server.token("viewer", tenant, user="viewer-number")
    responses: list[httpx.Response] = []
    undo = _capture_every_logger(caplog)
    try:
        # The officer finds the token's events (cases included: they are events about the resident).
        found = _search(api_server, tenant, officer, {"number": number, "size": 100})
        responses.append(found)
        assert _ids(found) == [ev.event_id for ev in sorted(corpus, key=lambda ev: ev.occurred_at)
                               if ev.subject_ref == ref]
        assert all(hit["subject_ref"] == ref for hit in found.json()["hits"])
        for variant in (spaced, hyphenated):
            again = _search(api_server, tenant, officer, {"number": variant, "size": 100})
            responses.append(again)
            assert _ids(again) == _ids(found)
        counted = _post(api_server, tenant, "events/counts", officer, {"number": number, "by": "actor"})
        responses.append(counted)
        assert counted.json()["total"] == 6

        # A viewer may not search by number.
        refused = _search(api_server, tenant, viewer, {"number": number})
        responses.append(refused)
        assert refused.status_code == 403 and refused.json()["error"]["path"] == "role"

        # The per-resident history in every format, with the justifying case.
        history = _post(api_server, tenant, "subjects/history", officer, {"number": number})
        responses.append(history)
        assert history.status_code == 200, history.text
        rows = {row["event_id"]: row for row in history.json()["rows"]}
        assert list(rows) == ["h-1", "h-2", "h-3", "h-4"]
        assert history.json()["subject_ref"] == ref and history.json()["without_case"] == 1
        assert [(rows[i]["case_id"], rows[i]["case_basis"]) for i in rows] == [
            ("C-REC", "recorded"), ("C-W1", "window"), (None, "none"), ("C-W2", "window")]
        assert (rows["h-2"]["actor"], rows["h-2"]["department"], rows["h-2"]["terminal"], rows["h-2"]["action"],
                rows["h-2"]["business"]) == ("stf-b", "U-KOKUHO", "T-2", "mynumber.search", "KOKUHO")
        assert rows["h-3"]["outcome"] == "denied"
        assert _at(rows["h-1"]["at"]) == _at("2026-06-10T09:00:00+09:00")

        # A number typed into subject_ref is taken as the resident it names.
        typed = _post(api_server, tenant, "subjects/history", officer, {"subject_ref": number})
        responses.append(typed)
        assert typed.json()["rows"] == history.json()["rows"] and typed.json()["subject_ref"] == ref

        window = _post(api_server, tenant, "subjects/history", officer,
                       {"subject_ref": ref, "from": "2026-10-01T00:00:00+09:00", "to": "2026-11-01T00:00:00+09:00"})
        responses.append(window)
        assert [r["event_id"] for r in window.json()["rows"]] == ["h-3", "h-4"]

        as_csv = _post(api_server, tenant, "subjects/history", officer, {"number": number}, {"format": "csv"})
        responses.append(as_csv)
        assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
        assert as_csv.content.startswith("\ufeff".encode())
        table = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
        assert table[0] == ["日時", "職員", "所属", "端末", "操作", "事務", "結果", "根拠となる案件", "案件の判定"]
        assert [(r[0], r[1], r[7], r[8]) for r in table[1:]] == [
            ("2026-06-10 09:00:00", "stf-a", "C-REC", "記録あり"),
            ("2026-07-01 09:00:00", "stf-b", "C-W1", "期間内の案件"),
            ("2026-10-20 09:00:00", "stf-c", "", "該当する案件なし"),
            ("2026-10-25 09:00:00", "stf-a", "C-W2", "期間内の案件")]

        as_html = _post(api_server, tenant, "subjects/history", officer, {"number": number}, {"format": "html"})
        responses.append(as_html)
        assert as_html.status_code == 200 and as_html.headers["content-type"].startswith("text/html")
        assert "特定個人情報へのアクセス記録" in as_html.text and "該当する案件なし" in as_html.text
        assert "C-W1（期間内の案件）" in as_html.text and "C-REC" in as_html.text

        as_pdf = _post(api_server, tenant, "subjects/history", officer, {"number": number}, {"format": "pdf"})
        responses.append(as_pdf)
        assert as_pdf.status_code == 200, as_pdf.text
        assert as_pdf.headers["content-type"] == "application/pdf" and as_pdf.content.startswith(b"%PDF-")
        text = _pdf_text(as_pdf.content)
        if text is not None:
            assert "特定個人情報へのアクセス記録" in text and "該当する案件なし" in text and "C-W2" in text

        # A number typed into an alert filter or a triage note.
        responses.append(_get(api_server, tenant, "alerts", officer, {"actor": number}))
        assert responses[-1].status_code == 200 and responses[-1].json()["total"] == 0
        responses.append(_post(api_server, tenant, f"alerts/{alert.alert_id}/triage", officer,
                               {"action": "acknowledge", "note": f"本人（{number}）から照会あり"}))
        assert responses[-1].status_code == 200, responses[-1].text
        assert responses[-1].json()["history"][0]["note"] == f"本人（{ref}）から照会あり"
        responses.append(_post(api_server, tenant, f"alerts/{alert.alert_id}/triage", officer,
                               {"action": "note", "note": f"番号{number}で確認、カード表記 {hyphenated}"}))
        assert responses[-1].json()["history"][1]["note"] == f"番号{ref}で確認、カード表記 {ref}"
        # ... or typed in groups into the free-text filter.
        for grouped in (hyphenated, spaced):
            responses.append(_search(api_server, tenant, officer, {"text": grouped}))
            assert responses[-1].status_code == 200 and responses[-1].json()["total"] == 0

        # A number in a path (where it must never be) is masked in the log, the answer and the audit record.
        responses.append(_get(api_server, tenant, f"events/{number}", officer))
        assert responses[-1].status_code == 404
        responses.append(_get(api_server, tenant, f"events/{hyphenated}", officer))
        assert responses[-1].status_code == 404
        responses.append(_get(api_server, tenant, f"events/{number}", None))
        assert responses[-1].status_code == 401
        responses.append(_get(api_server, tenant, f"alerts/{number}", officer))
        assert responses[-1].status_code == 404
    finally:
        undo()

    forms = (number, hyphenated, spaced)
    # No answer echoes it.
    for response in responses:
        assert not any(form.encode() in response.content for form in forms), response.request.url

    # No log line: the capture works (the access log line of the search is there), and holds no number.
    # (httpx is this test's own client, whose log names the URLs it was asked to fetch.)
    served = [record for record in caplog.records if not record.name.startswith(("httpx", "httpcore"))]
    lines = [record.getMessage() for record in served]
    assert any(f"POST /v1/tenants/{tenant}/events/search 200" in line for line in lines), lines[:20]
    assert any(f"/v1/tenants/{tenant}/events/[digits] 404" in line for line in lines)
    leaked = [(record.name, line[:300]) for record, line in zip(served, lines, strict=True)
              if any(form in line for form in forms)]
    assert leaked == []
    assert not any(any(form in (record.exc_text or "") for form in forms) for record in served)

    # No index: a query over every field of every kansa index, and the tenant's documents read in full.
    es.indices.refresh(index="kansa-*")
    anywhere = {"query_string": {"query": f'"{number}"', "fields": ["*"], "lenient": True}}
    assert es.count(index="kansa-*", query=anywhere)["count"] == 0
    token_anywhere = {"query_string": {"query": f'"{ref}"', "fields": ["*"], "lenient": True}}
    assert es.count(index=f"kansa-*-{tenant}-*", query=token_anywhere)["count"] == 6  # the query finds what is there
    documents = [json.dumps(hit["_source"], ensure_ascii=False)
                 for hit in helpers.scan(es, index=f"kansa-*{tenant}*", query={"query": {"match_all": {}}})]
    assert len(documents) == len(corpus) + 1 + 2  # the events, the alert, two triage entries
    assert not any(form in doc for doc in documents for form in forms)

    # No record of the audit topic, while the audit events of this test are there, naming the token instead.
    records = _audit_records(stack, api_server)
    assert not any(form.encode() in (record.value or b"") or form.encode() in (record.key or b"")
                   or any(form.encode() in value for _, value in record.headers)
                   for record in records for form in forms)
    audits = [a for a in (parse_event_json(r.value) for r in records) if a.tenant == tenant]
    assert isinstance(audits[0], AuditEvent)
    searches = [a for a in audits if isinstance(a, AuditEvent) and a.action == "audit.search"
                and a.actor.id == "officer-number"]
    # 3 searches, the counts, the alert list, 2 text searches
    assert len(searches) == 7 and all(ref in a.query for a in searches)
    exports = [a for a in audits if isinstance(a, AuditEvent) and a.action == "audit.history_export"]
    assert sorted(str(a.export_format) for a in exports) == ["csv", "html", "json", "json", "json", "pdf"]
    assert all(a.target_ref == ref for a in exports)
    assert [a.result_count for a in exports if a.export_format == "csv"] == [4]


# --- 4. tenant isolation and roles; refusals audited --------------------------------------------------------------


def test_tenants_are_isolated_roles_are_enforced_and_refusals_are_recorded(
        stack: Stack, api_server: ApiServer, es: Elasticsearch, tenant: str, other_tenant: str) -> None:
    index_events(es, [
        _event(tenant, "iso-a", "record.view", "2026-10-02T10:00:00+09:00", "stf-shared"),
        _event(other_tenant, "iso-b", "record.view", "2026-10-02T10:00:00+09:00", "stf-shared"),
    ])
    alert = Alert(alert_id="al_iso", tenant=tenant, rule_id="DR-23", rule_version=1, severity=Severity.HIGH,
                  title=LocalisedText(ja="案件なし", en="No case"), action=LocalisedText(ja="確認", en="Check"),
                  assessment_refs=(), actor_id="stf-shared", occurred_at=_at("2026-10-02T10:00:00+09:00"),
                  key="k", event_ids=("iso-a",), reference_version="v1")
    index_alerts(es, [alert], DETECTED)
    officer_a = api_server.token("officer", tenant, user="officer-iso-a")
    viewer_a = api_server.token("viewer", tenant, user="viewer-iso-a")
    both = api_server.token("viewer", tenant, other_tenant, user="viewer-iso-both")

    # Each tenant's data only through its own tenant, even for a token bound to both.
    assert _ids(_search(api_server, tenant, officer_a, {"actor": "stf-shared"})) == ["iso-a"]
    assert _ids(_search(api_server, tenant, both, {"actor": "stf-shared"})) == ["iso-a"]
    assert _ids(_search(api_server, other_tenant, both, {"actor": "stf-shared"})) == ["iso-b"]
    assert _get(api_server, other_tenant, "events/iso-a", both).status_code == 404
    assert _get(api_server, other_tenant, "alerts", both).json()["total"] == 0  # its alert stays in its tenant
    assert _get(api_server, other_tenant, "alerts/al_iso", both).status_code == 404

    forbidden: list[tuple[str, str, str, httpx.Response]] = [
        ("officer-iso-a", other_tenant, "events/search",
         _search(api_server, other_tenant, officer_a, {"actor": "stf-shared"})),
        ("officer-iso-a", other_tenant, "events/{event_id}", _get(api_server, other_tenant, "events/iso-b",
                                                                  officer_a)),
        ("officer-iso-a", other_tenant, "alerts", _get(api_server, other_tenant, "alerts", officer_a)),
        ("officer-iso-a", other_tenant, "subjects/history",
         _post(api_server, other_tenant, "subjects/history", officer_a, {"subject_ref": "mnt_x"})),
        ("viewer-iso-a", tenant, "alerts/{alert_id}/triage",
         _post(api_server, tenant, "alerts/al_iso/triage", viewer_a, {"action": "acknowledge"})),
        ("viewer-iso-a", tenant, "events/export",
         _post(api_server, tenant, "events/export", viewer_a, {"actor": "stf-shared"})),
        ("viewer-iso-a", tenant, "subjects/history",
         _post(api_server, tenant, "subjects/history", viewer_a, {"subject_ref": "mnt_x"})),
    ]
    for _, _, _, response in forbidden:
        assert response.status_code == 403, response.text
        assert response.json()["error"]["message"]
    assert "not bound to tenant" in forbidden[0][3].json()["error"]["message"]
    assert "officer role" in forbidden[4][3].json()["error"]["message"]

    # The officer may do what the viewer may not.
    export = _post(api_server, tenant, "events/export", officer_a, {"actor": "stf-shared"})
    assert export.status_code == 200 and "iso-a" in export.text and "iso-b" not in export.text
    assert _get(api_server, tenant, "alerts", viewer_a).json()["total"] == 1

    # Without a valid token: 401.
    unauthenticated = [
        _search(api_server, tenant, None, {}), _search(api_server, tenant, "kat_not-a-token", {}),
        httpx.post(f"{api_server.base_url}/v1/tenants/{tenant}/events/search", json={},
                   headers={"Authorization": "Basic abc"}, timeout=30),
    ]
    for response in unauthenticated:
        assert response.status_code == 401, response.text
        assert response.json()["error"]["path"] == "Authorization"

    # Every refusal is an audit.denied event naming who, which tenant and the status.
    denied = [a for a in _audits(stack, api_server, tenant) + _audits(stack, api_server, other_tenant)
              if a.action == "audit.denied"]
    for user, asked, route, _ in forbidden:
        matching = [a for a in denied if a.actor.id == user and a.tenant == asked and a.http_status == 403
                    and a.endpoint.endswith(route) and a.outcome.value == "denied"]
        assert len(matching) == 1, (user, asked, route)
        assert matching[0].role == ("officer" if user.startswith("officer") else "viewer")
    anonymous = [a for a in denied if a.actor.id == "unauthenticated" and a.tenant == tenant]
    assert len(anonymous) == 3 and all(a.http_status == 401 and a.role == "none" for a in anonymous)
    assert len(denied) == len(forbidden) + 3


def test_requests_for_a_tenant_served_by_no_token_are_recorded_with_the_caller_not_under_that_code(
        stack: Stack, api_server: ApiServer, tenant: str, other_tenant: str) -> None:
    # other_tenant is bound to no token: made-up codes must not each get an audit index.
    officer = api_server.token("officer", tenant, user="officer-unserved")
    assert _search(api_server, other_tenant, officer, {}).status_code == 403
    assert _search(api_server, other_tenant, None, {}).status_code == 401
    [denied] = [a for a in _audits(stack, api_server, tenant) if a.actor.id == "officer-unserved"]
    assert (denied.action, denied.http_status, json.loads(denied.query)) == (
        "audit.denied", 403, {"needed": "tenant", "tenant": other_tenant})
    assert _audits(stack, api_server, other_tenant) == []


# --- 5. malformed queries ------------------------------------------------------------------------------------------


def test_malformed_queries_get_a_4xx_naming_the_field(api_server: ApiServer, es: Elasticsearch, tenant: str) -> None:
    index_events(es, [_event(tenant, "m-1", "record.view", "2026-10-02T10:00:00+09:00")])
    officer = api_server.token("officer", tenant, user="officer-malformed")
    number = _new_number()
    invalid_number = _wrong_check_digit(number)

    def search(body: dict[str, Any]) -> tuple[int, str, str]:
        answer = _search(api_server, tenant, officer, body)
        return answer.status_code, answer.json()["error"]["path"], answer.json()["error"]["message"]

    status, path, message = search({"from": "2026-10-01T00:00:00"})
    assert (status, path) == (422, "from") and "time zone" in message
    status, path, message = search({"to": "last tuesday"})
    assert (status, path) == (422, "to") and "time zone" in message
    status, path, message = search({"actr": "stf-a"})
    assert (status, path) == (422, "actr") and "unknown field 'actr'" in message
    status, path, message = search({"size": 20_000})
    assert (status, path) == (422, "size") and "1000" in message and "next_cursor" in message
    status, path, message = search({"size": 0})
    assert (status, path) == (422, "size")
    status, path, message = search({"cursor": "bm90LWEtY3Vyc29y"})
    assert (status, path) == (400, "cursor") and "cursor" in message
    status, path, message = search({"cursor": "%%%"})
    assert (status, path) == (400, "cursor")
    status, path, message = search({"family": "nonsense"})
    assert (status, path) == (422, "family") and "unknown family" in message and "data_use" in message
    status, path, message = search({"action": "record.peek"})
    assert (status, path) == (422, "action") and "unknown action" in message
    status, path, message = search({"from": "2026-10-02T00:00:00+09:00", "to": "2026-10-01T00:00:00+09:00"})
    assert status == 422 and "'from' must be before 'to'" in message
    status, path, message = search({"from": "2026-10-02T00:00:00+09:00", "to": "2026-10-01T15:00:00Z"})
    assert status == 422 and "'from' must be before 'to'" in message  # the same instant is not a range
    status, path, message = search({"outcome": "maybe"})
    assert (status, path) == (422, "outcome")

    for body in ({"number": invalid_number}, {"number": number[:11]}, {"number": number + "0"}):
        answer = _search(api_server, tenant, officer, body)
        assert answer.status_code == 422 and answer.json()["error"]["path"] == "number"
        assert "check digit" in answer.json()["error"]["message"]
        assert body["number"].encode() not in answer.content and number[:11].encode() not in answer.content
    history = _post(api_server, tenant, "subjects/history", officer, {"number": invalid_number})
    assert history.status_code == 422 and invalid_number.encode() not in history.content
    # Input that is not a field value is not echoed either (an unknown action that looks like a number).
    for typed in (number, f"{number[:4]}-{number[4:8]}-{number[8:]}"):
        echo = _search(api_server, tenant, officer, {"action": typed})
        assert echo.status_code == 422 and typed.encode() not in echo.content
        assert "unknown action '[digits]'" in echo.json()["error"]["message"]

    # The alert list's query parameters get the same treatment.
    for params, field in (({"size": "5000"}, "size"), ({"bogus": "1"}, "bogus"), ({"from": "2026-10-01"}, "from"),
                          ({"severity": "apocalyptic"}, "severity"), ({"status": "closed"}, "status")):
        answer = _get(api_server, tenant, "alerts", officer, params)
        assert answer.status_code in (400, 422), (params, answer.text)
        assert answer.json()["error"]["path"] == field, (params, answer.text)
    assert _get(api_server, tenant, "alerts", officer, {"cursor": "garbage"}).status_code == 400
    # A tenant code that is not one.
    assert _search(api_server, "12345", officer, {}).status_code == 422
    # Not JSON at all.
    broken = httpx.post(f"{api_server.base_url}/v1/tenants/{tenant}/events/search", content=b"{",
                        headers={**_auth(officer), "content-type": "application/json"}, timeout=30)
    assert broken.status_code == 422 and broken.json()["error"]["message"]


# --- 6. alert triage --------------------------------------------------------------------------------------------


def _alert(tenant: str, name: str, rule: str, severity: Severity, actor: str, at: str,
           events: tuple[str, ...]) -> Alert:
    return Alert(alert_id=alert_id_for(rule, 1, tenant, name, at), tenant=tenant, rule_id=rule, rule_version=1,
                 severity=severity, title=LocalisedText(ja=f"{rule} の警告", en=f"{rule} alert"),
                 action=LocalisedText(ja="確認する", en="Check"), assessment_refs=("000 L341",), actor_id=actor,
                 occurred_at=_at(at), key=name, event_ids=events, reference_version="v1")


def test_alert_list_filters_and_append_only_triage(
        stack: Stack, api_server: ApiServer, es: Elasticsearch, tenant: str) -> None:
    index_events(es, [_event(tenant, "ae-1", "export.executed", "2026-10-03T10:00:00+09:00", "stf-a",
                              device_id="USB-9", device_registered=False, encrypted=False, file_id="f",
                              file_hash=HASH, record_count=10),
                       _event(tenant, "ae-2", "record.view", "2026-10-10T10:00:00+09:00", "stf-b")])
    a1 = _alert(tenant, "a1", "DR-32", Severity.CRITICAL, "stf-a", "2026-10-03T10:00:00+09:00", ("ae-1",))
    a2 = _alert(tenant, "a2", "DR-23", Severity.HIGH, "stf-b", "2026-10-10T10:00:00+09:00", ("ae-2",))
    a3 = _alert(tenant, "a3", "DR-23", Severity.MEDIUM, "stf-a", "2026-10-20T10:00:00+09:00", ("ae-x",))
    a4 = _alert(tenant, "a4", "DR-10", Severity.LOW, "stf-c", "2026-11-02T10:00:00+09:00", ("ae-y",))
    index_alerts(es, [a3, a1, a4, a2], DETECTED)
    officer = api_server.token("officer", tenant, user="officer-triage")
    viewer = api_server.token("viewer", tenant, user="viewer-triage")

    def listed(token: str = viewer, **params: str) -> list[str]:
        answer = _get(api_server, tenant, "alerts", token, params)
        assert answer.status_code == 200, answer.text
        assert answer.json()["total"] == len(answer.json()["alerts"])
        return [view["alert"]["alert_id"] for view in answer.json()["alerts"]]

    newest_first = [a4.alert_id, a3.alert_id, a2.alert_id, a1.alert_id]
    assert listed() == newest_first
    assert listed(rule="DR-23") == [a3.alert_id, a2.alert_id]
    assert listed(severity="critical") == [a1.alert_id]
    assert listed(actor="stf-a") == [a3.alert_id, a1.alert_id]
    assert listed(**{"from": "2026-10-10T10:00:00+09:00", "to": "2026-11-01T00:00:00+09:00"}) == [
        a3.alert_id, a2.alert_id]
    assert listed(status="open") == newest_first
    assert listed(status="acknowledged") == []
    # Paged newest first.
    first = _get(api_server, tenant, "alerts", viewer, {"size": "3"}).json()
    rest = _get(api_server, tenant, "alerts", viewer, {"size": "3", "cursor": first["next_cursor"]}).json()
    assert [v["alert"]["alert_id"] for v in first["alerts"] + rest["alerts"]] == newest_first
    assert rest["next_cursor"] is None

    def triage(alert: Alert, body: dict[str, Any]) -> httpx.Response:
        return _post(api_server, tenant, f"alerts/{alert.alert_id}/triage", officer, body)

    acked = triage(a2, {"action": "acknowledge", "note": "調査を開始", "expected_seq": 0})
    assert acked.status_code == 200, acked.text
    assert (acked.json()["status"], acked.json()["assignee"], acked.json()["seq"]) == (
        "acknowledged", "officer-triage", 1)
    assert [e["_id"] for e in acked.json()["events"]] == ["ae-2"]
    history_1 = acked.json()["history"]

    assigned = triage(a2, {"action": "assign", "assignee": "officer-b", "note": "担当交代", "expected_seq": 1})
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["history"][:1] == history_1
    history_2 = assigned.json()["history"]

    resolved = triage(a2, {"action": "resolve", "resolution": "true_positive", "incident": "serious",
                           "note": "個人情報保護委員会へ報告", "expected_seq": 2})
    assert resolved.status_code == 200, resolved.text
    detail = resolved.json()
    assert (detail["status"], detail["assignee"], detail["seq"]) == ("resolved", "officer-b", 3)
    assert detail["history"][:2] == history_2
    assert [(h["seq"], h["action"], h["status"], h["by"], h["note"]) for h in detail["history"]] == [
        (1, "acknowledge", "acknowledged", "officer-triage", "調査を開始"),
        (2, "assign", "acknowledged", "officer-triage", "担当交代"),
        (3, "resolve", "resolved", "officer-triage", "個人情報保護委員会へ報告")]
    last = detail["history"][-1]
    assert (last["resolution"], last["incident"], last["assignee"], last["rule_id"], last["severity"]) == (
        "true_positive", "serious", "officer-b", "DR-23", "high")

    # A stale expected_seq and an illegal step are conflicts; nothing is appended.
    stale = triage(a2, {"action": "note", "note": "古い画面から", "expected_seq": 1})
    assert stale.status_code == 409 and stale.json()["error"]["path"] == "action"
    assert "changed since you loaded it" in stale.json()["error"]["message"]
    assert triage(a3, {"action": "acknowledge", "expected_seq": 0}).status_code == 200
    twice = triage(a3, {"action": "acknowledge"})
    assert twice.status_code == 409 and "acknowledged" in twice.json()["error"]["message"]
    assert triage(a4, {"action": "resolve", "resolution": "benign"}).status_code == 409  # open: acknowledge first
    invalid = triage(a4, {"action": "resolve", "resolution": "false_positive", "incident": "serious"})
    assert invalid.status_code == 422 and "true_positive" in invalid.json()["error"]["message"]
    assert _post(api_server, tenant, "alerts/al_missing/triage", officer, {"action": "acknowledge"}).status_code == 404

    # The history as read back is what was written: entries never change (each stored once, version 1).
    again = _get(api_server, tenant, f"alerts/{a2.alert_id}", viewer).json()
    assert again["history"] == detail["history"]
    stored = es.search(index=f"kansa-triage-{tenant}", query={"match_all": {}}, version=True, size=100,
                       sort=[{"alert_id": "asc"}, {"seq": "asc"}])["hits"]["hits"]
    assert sorted((h["_source"]["alert_id"], h["_source"]["seq"]) for h in stored) == sorted(
        [(a2.alert_id, 1), (a2.alert_id, 2), (a2.alert_id, 3), (a3.alert_id, 1)])
    assert all(h["_version"] == 1 for h in stored)

    # The status filter reflects triage.
    assert listed(status="resolved") == [a2.alert_id]
    assert listed(status="acknowledged") == [a3.alert_id]
    assert listed(status="open") == [a4.alert_id, a1.alert_id]
    assert listed(assignee="officer-b") == [a2.alert_id]
    assert listed(status="open", rule="DR-10") == [a4.alert_id]

    # Every stored step was audited as an audit.alert_triage naming the officer, the alert and the step; a refused
    # step is on the trail with the status the officer got, never as a success.
    audited = [a for a in _audits(stack, api_server, tenant) if a.action == "audit.alert_triage"]
    triaged = [a for a in audited if a.http_status == 200]
    refused = sorted((a.http_status, a.result_count) for a in audited if a.http_status != 200)
    assert refused == [(404, 0), (409, 0), (409, 0), (409, 0)]
    assert sorted((a.target_ref, json.loads(a.query)["action"]) for a in triaged) == sorted(
        [(a2.alert_id, "acknowledge"), (a2.alert_id, "assign"), (a2.alert_id, "resolve"),
         (a3.alert_id, "acknowledge")])
    assert all(a.actor.id == "officer-triage" and a.http_status == 200 and a.result_count == 1 for a in triaged)
    resolve_audit = next(a for a in triaged if '"resolve"' in a.query)
    assert json.loads(resolve_audit.query) == {"action": "resolve", "resolution": "true_positive",
                                               "incident": "serious", "note": "個人情報保護委員会へ報告",
                                               "expected_seq": 2}


def test_two_officers_acknowledging_at_once_append_one_entry(
        api_server: ApiServer, es: Elasticsearch, tenant: str) -> None:
    alert = _alert(tenant, "race", "DR-23", Severity.HIGH, "stf-a", "2026-10-10T10:00:00+09:00", ("x",))
    index_alerts(es, [alert], DETECTED)
    tokens = [api_server.token("officer", tenant, user=f"officer-race-{i}") for i in range(2)]
    results: list[int] = []
    barrier = threading.Barrier(2)

    def act(token: str) -> None:
        barrier.wait()
        results.append(_post(api_server, tenant, f"alerts/{alert.alert_id}/triage", token,
                             {"action": "acknowledge", "expected_seq": 0}).status_code)

    threads = [threading.Thread(target=act, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [200, 409]
    history = _get(api_server, tenant, f"alerts/{alert.alert_id}", tokens[0]).json()["history"]
    assert len(history) == 1 and history[0]["seq"] == 1


def test_a_long_triage_note_is_audited_truncated_not_refused(
        stack: Stack, api_server: ApiServer, es: Elasticsearch, tenant: str) -> None:
    alert = _alert(tenant, "long", "DR-23", Severity.HIGH, "stf-a", "2026-10-10T10:00:00+09:00", ("x",))
    index_alerts(es, [alert], DETECTED)
    officer = api_server.token("officer", tenant, user="officer-long")
    note = "経緯：" + "確認済み。" * 799  # 3998 characters, within the note's 4000
    answer = _post(api_server, tenant, f"alerts/{alert.alert_id}/triage", officer,
                   {"action": "acknowledge", "note": note})
    assert answer.status_code == 200, answer.text
    assert answer.json()["history"][0]["note"] == note
    audited = [a for a in _audits(stack, api_server, tenant) if a.action == "audit.alert_triage"]
    assert len(audited) == 1 and len(audited[0].query) <= 4000 and audited[0].query.endswith("(truncated)")


# --- 7. the audit records ---------------------------------------------------------------------------------------


def test_audit_records_say_who_asked_what_and_how_many_came_back(
        stack: Stack, api_server: ApiServer, es: Elasticsearch, tenant: str) -> None:
    index_events(es, [_event(tenant, f"au-{i}", "record.view", f"2026-10-0{1 + i}T10:00:00+09:00",
                              "stf-a" if i < 3 else "stf-b", business_code="JUMIN") for i in range(5)])
    officer = api_server.token("officer", tenant, user="officer-audit-7")
    admin = api_server.token("admin", tenant, user="admin-audit-7")
    assert len(_ids(_search(api_server, tenant, officer, {"actor": "stf-a", "business": "JUMIN", "size": 2}))) == 2
    assert _post(api_server, tenant, "events/counts", officer, {"by": "day"}).json()["total"] == 5
    assert _get(api_server, tenant, "events/au-4", officer).status_code == 200
    assert _get(api_server, tenant, "events/nope", officer).status_code == 404
    export = _post(api_server, tenant, "events/export", admin, {"actor": "stf-b"})
    assert export.status_code == 200 and export.text.count("au-") == 2

    audits = _audits(stack, api_server, tenant)
    assert len(audits) == 5
    assert all(a.source_system == "kansa-investigate" and a.event_id.startswith("aud_") for a in audits)

    def one(route: str, status: int = 200) -> AuditEvent:
        [found] = [a for a in audits if a.endpoint.endswith(route) and a.http_status == status]
        return found

    search = one("POST /v1/tenants/{tenant}/events/search")
    assert search.endpoint == "api POST /v1/tenants/{tenant}/events/search" and search.action == "audit.search"
    assert json.loads(search.query) == {"actor": "stf-a", "business": "JUMIN", "size": 2, "page": False}
    assert (search.actor.id, search.role, search.result_count) == ("officer-audit-7", "officer", 2)
    assert search.outcome.value == "success" and search.occurred_at.tzinfo is not None
    counts = one("/events/counts")
    assert (counts.action, counts.result_count, json.loads(counts.query)) == ("audit.search", 5, {"by": "day"})
    viewed = one("/events/{event_id}")
    assert (viewed.action, viewed.target_ref, viewed.result_count) == ("audit.event_view", "au-4", 1)
    missing = one("/events/{event_id}", 404)
    assert (missing.target_ref, missing.result_count, missing.outcome.value) == ("nope", 0, "denied")
    exported = one("/events/export")
    assert (exported.action, exported.actor.id, exported.role) == ("audit.history_export", "admin-audit-7", "admin")
    assert (exported.export_format, exported.result_count, json.loads(exported.query)) == ("csv", 2, {"actor": "stf-b"})
