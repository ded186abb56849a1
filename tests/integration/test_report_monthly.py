"""`kansa report monthly` against the real Elasticsearch: documents indexed exactly as the sink writes them."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch, helpers
from typer.testing import CliRunner

from kansa_reporter import es_queries
from kansa_reporter.annual import annual_data
from kansa_reporter.cli import app
from kansa_reporter.es_queries import export_ledger, monthly_data
from kansa_reporter.period import Month
from kansa_reporter.report.render import render_monthly, write_annual
from kansa_schemas.alert import Alert, alert_id_for
from kansa_schemas.events import ACTION_FAMILIES, Event, parse_event
from kansa_schemas.indices import JST, alert_document, alerts_index, event_document, events_index, triage_index
from kansa_schemas.triage import IncidentClass, Resolution, TriageAction, TriageEntry, TriageRequest, next_entry
from tests.conftest import Stack

pytestmark = pytest.mark.integration

APRIL = Month.parse("2025-04")
FILE_HASH = "ab" * 32


def _at(day: int, hour: int = 10, minute: int = 0, month: int = 4) -> str:
    return dt.datetime(2025, month, day, hour, minute, tzinfo=JST).isoformat()


def _event(tenant: str, event_id: str, action: str, at: str, actor: str = "u-1", **fields: Any) -> Event:
    return parse_event({
        "event_id": event_id, "occurred_at": at, "tenant": tenant, "source_system": "jumin",
        "actor": {"id": actor, "type": "staff", "org_unit": "kokuho"}, "terminal_id": f"T-{actor}",
        "action": action, **fields,
    })


def _request(tenant: str, req: str, at: str, applicant: str) -> Event:
    return _event(tenant, f"ev-{req}-req", "export.requested", at, applicant, request_id=req, applicant_id=applicant,
                  file_id=f"F-{req}", file_hash=FILE_HASH, device_id="USB-01", record_count=10)


def _approve(tenant: str, req: str, at: str, applicant: str, approver: str) -> Event:
    return _event(tenant, f"ev-{req}-ok", "export.approved", at, approver, request_id=req, applicant_id=applicant,
                  approver_id=approver)


def _execute(tenant: str, req: str | None, at: str, executor: str, event_id: str | None = None, **kw: Any) -> Event:
    fields: dict[str, Any] = {"device_id": "USB-01", "device_registered": True, "encrypted": True,
                              "file_id": f"F-{req}", "file_hash": FILE_HASH, "record_count": 10, **kw}
    return _event(tenant, event_id or f"ev-{req}-exec", "export.executed", at, executor, request_id=req, **fields)


def _alert(tenant: str, rule_id: str, severity: str, at: str, key: str, count: int = 1) -> Alert:
    return Alert(
        alert_id=alert_id_for(rule_id, 1, tenant, key, at), tenant=tenant, rule_id=rule_id, rule_version=1,
        severity=severity, title={"ja": f"{rule_id} の名称", "en": f"{rule_id} title"},
        action={"ja": "確認する", "en": "check"}, assessment_refs=("000 L341", "000 L63"), actor_id="u-2",
        occurred_at=at, key=key, event_ids=("ev-x",), count=count, reference_version="ref-1",
    )


def _index(es: Elasticsearch, events: Sequence[Event], alerts: Sequence[Alert] = ()) -> None:
    actions: list[dict[str, Any]] = [
        {"_index": events_index(e.tenant, e.occurred_at), "_id": e.event_id,
         "_source": event_document(e.model_dump(mode="json"), ACTION_FAMILIES[e.action])}
        for e in events
    ]
    actions += [
        {"_index": alerts_index(a.tenant, a.occurred_at), "_id": a.alert_id,
         "_source": alert_document(a.model_dump(mode="json"), detected_at=a.occurred_at.isoformat())}
        for a in alerts
    ]
    helpers.bulk(es, actions, refresh="wait_for", chunk_size=2000)


def _april(tenant: str) -> tuple[list[Event], list[Alert]]:
    events = [
        # authentication: 3 logins and 2 logouts in April, one login either side of the month.
        *(_event(tenant, f"ev-login-{i}", "auth.login", _at(1 + i)) for i in range(3)),
        *(_event(tenant, f"ev-logout-{i}", "auth.logout", _at(1 + i, 18)) for i in range(2)),
        _event(tenant, "ev-login-march", "auth.login", _at(31, 23, 59, month=3)),
        _event(tenant, "ev-login-may", "auth.login", _at(1, 0, 0, month=5)),
        # data_use: 4 searches, the last one on the last evening of April in JST (still April 30 in UTC+9 only).
        *(_event(tenant, f"ev-search-{i}", "mynumber.search", _at(7 + i)) for i in range(3)),
        _event(tenant, "ev-search-late", "mynumber.search", _at(30, 23, 30)),
        # REQ-1: approved in March, executed in April -> approver found across months.
        _request(tenant, "REQ-1", _at(28, month=3), "u-1"),
        _approve(tenant, "REQ-1", _at(30, month=3), "u-1", "boss-1"),
        _execute(tenant, "REQ-1", _at(2), "u-1"),
        # REQ-2: never approved.
        _request(tenant, "REQ-2", _at(5), "u-2"),
        _execute(tenant, "REQ-2", _at(6), "u-2", encrypted=False),
        # REQ-3: approved the same day, then executed.
        _request(tenant, "REQ-3", _at(10, 9), "u-3"),
        _approve(tenant, "REQ-3", _at(10, 11), "u-3", "boss-2"),
        _execute(tenant, "REQ-3", _at(11), "u-3"),
        # REQ-4: approval only after the write: still 承認なし at the time of the export.
        _request(tenant, "REQ-4", _at(20), "u-4"),
        _execute(tenant, "REQ-4", _at(21), "u-4", device_registered=False),
        _approve(tenant, "REQ-4", _at(22), "u-4", "boss-1"),
        # An execution with no request id at all.
        _execute(tenant, None, _at(25), "u-5", event_id="ev-norequest-exec"),
    ]
    alerts = [
        _alert(tenant, "DR-32", "critical", _at(6), "REQ-2"),
        _alert(tenant, "DR-32", "critical", _at(21), "REQ-4", count=2),
        _alert(tenant, "DR-32", "high", _at(25), "none"),
        _alert(tenant, "DR-07", "high", _at(3), "u-1"),
        _alert(tenant, "DR-33", "high", _at(30, month=3), "REQ-1"),  # March: not in April's report
    ]
    return events, alerts


def _in_april(events: list[Event]) -> list[Event]:
    return [e for e in events if e.occurred_at.astimezone(JST).strftime("%Y-%m") == "2025-04"]


def _ledger(html: str) -> dict[str, str]:
    """event id -> approver cell text."""
    rows = re.findall(r'<tr data-event-id="([^"]+)">.*?<td class="approver">(.*?)</td>', html)
    return {event_id: re.sub(r"<[^>]+>", "", cell) for event_id, cell in rows}


def test_monthly_report_from_elasticsearch(es: Elasticsearch, tenant: str) -> None:
    events, alerts = _april(tenant)
    _index(es, events, alerts)

    data = monthly_data(es, tenant, APRIL)
    html = render_monthly(data)

    # Events examined per family equal what was indexed for April (JST), nothing from March or May.
    expected = Counter(ACTION_FAMILIES[e.action] for e in _in_april(events))
    for family, count in expected.items():
        assert f'data-family="{family}">{count}<' in html
    assert 'data-family="cases">0<' in html
    assert f'id="events-total">{sum(expected.values())}<' in html
    assert data.events.indices == (f"kansa-events-{tenant}-2025.04",)

    # One ledger row per export, with the approver joined by request id.
    assert _ledger(html) == {
        "ev-REQ-1-exec": "boss-1", "ev-REQ-2-exec": "承認なし", "ev-REQ-3-exec": "boss-2",
        "ev-REQ-4-exec": "承認なし", "ev-norequest-exec": "承認なし",
    }
    assert f"kansa-events-{tenant}-2025.03" in data.ledger.approval_indices
    row = data.ledger.rows[0]
    assert (row.executor_id, row.terminal_id, row.device_id, row.file_id, row.record_count) == (
        "u-1", "T-u-1", "USB-01", "F-REQ-1", 10)
    assert row.executed_at == dt.datetime(2025, 4, 2, 10, tzinfo=JST)
    assert (data.ledger.without_approval, data.ledger.unencrypted, data.ledger.unregistered) == (3, 1, 1)

    # Charts' data: events per day add up to the month, the top searchers are the real ones.
    assert len(data.activity.events_per_day) == 30
    assert sum(d.count for d in data.activity.events_per_day) == data.events.total
    searches = Counter(e.actor.id for e in _in_april(events) if e.action == "mynumber.search")
    assert {s.staff_id: s.count for s in data.activity.top_searchers} == dict(searches.most_common(10))
    assert searches, "the test month should have searches to chart"
    april = _in_april(events)
    assert data.activity.subjects_touched == len({e.subject_ref for e in april if e.subject_ref})
    assert data.activity.staff_users == len({e.actor.id for e in april if e.actor.type == "staff"})

    # Alerts by rule and severity, with counts; March's DR-33 alert is not April's.
    groups = {(g.rule_id, g.severity.value): (g.alerts, g.occurrences) for g in data.alerts.groups}
    assert groups == {("DR-07", "high"): (1, 1), ("DR-32", "critical"): (2, 3), ("DR-32", "high"): (1, 1)}
    assert re.search(r'<tr data-rule="DR-32" data-severity="critical">.*?000 L341、000 L63.*?>2</td>', html)
    # DR-32 examines executions, approvals and rejections
    dr32_inputs = sum(e.action in ("export.executed", "export.approved", "export.rejected") for e in _in_april(events))
    assert f"該当あり（アラート 3 件、発生 4 回、検査対象 {dr32_inputs} 件）" in html

    # Rules without alerts say so, with the number of events they looked at.
    approvals_in_april = sum(e.action == "export.approved" for e in _in_april(events))
    assert f"該当なし（検査対象 {approvals_in_april} 件、期間 2025-04-01〜2025-04-30）" in html  # DR-33
    assert "該当なし（検査対象 4 件、期間 2025-04-01〜2025-04-30）" in html  # DR-24 over data_use
    assert f"該当なし（検査対象 {sum(expected.values())} 件、期間 2025-04-01〜2025-04-30）" in html  # DR-01


def test_month_without_indices_reads_as_zero(es: Elasticsearch, tenant: str) -> None:
    data = monthly_data(es, tenant, APRIL)
    assert (data.events.total, data.alerts.total, data.ledger.rows, data.indices) == (0, 0, (), ())
    html = render_monthly(data, lang="en")
    assert "Not evaluable: source missing (0 export_media events, period 2025-04-01 to 2025-04-30)" in html


def test_pages_past_ten_thousand(es: Elasticsearch, tenant: str, monkeypatch: pytest.MonkeyPatch) -> None:
    n = 10_050
    events: list[Event] = []
    for i in range(n):
        at = (dt.datetime(2025, 4, 1, tzinfo=JST) + dt.timedelta(minutes=4 * i)).isoformat()
        req = f"R{i:05d}"
        if i % 3:
            events.append(_approve(tenant, req, at, "u-1", f"boss-{i % 7}"))
        events.append(_execute(tenant, req, at, "u-1"))
    _index(es, events)

    ledger = export_ledger(es, tenant, APRIL)
    assert len(ledger.rows) == n
    assert len({r.event_id for r in ledger.rows}) == n
    assert ledger.without_approval == len(range(0, n, 3))
    assert ledger.rows[4].approver_ids == ("boss-4",)

    # Small pages give the same answer, so the paging itself is exercised.
    monkeypatch.setattr(es_queries, "_COMPOSITE_PAGE", 1)
    small = monthly_data(es, tenant, APRIL)
    assert small.events.total == len(events)
    assert [r.event_id for r in export_ledger(es, tenant, APRIL, page_size=777).rows] == [
        r.event_id for r in ledger.rows]


def test_cli_writes_the_report(es: Elasticsearch, stack: Stack, tenant: str, tmp_path: Path) -> None:
    events, alerts = _april(tenant)
    _index(es, events, alerts)
    runner = CliRunner()
    args = ["monthly", "--tenant", tenant, "--month", "2025-04", "--out", str(tmp_path),
            "--es-url", stack.elasticsearch_url]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    path = tmp_path / f"kansa-monthly-{tenant}-2025-04.ja.html"
    assert result.stdout.splitlines()[0] == f"{path}  sha256:{hashlib.sha256(path.read_bytes()).hexdigest()}"
    assert "4 alerts over 2 rules, 5 exports (3 without approval)" in result.output
    first = path.read_text(encoding="utf-8")
    assert "該当なし（検査対象 2 件、期間 2025-04-01〜2025-04-30）" in first
    # Same data, same bytes.
    assert runner.invoke(app, args).exit_code == 0
    assert path.read_text(encoding="utf-8") == first

    # HTML and PDF, each hash printed and recorded in Elasticsearch; the same data again records nothing new.
    both = runner.invoke(app, [*args, "--format", "html,pdf"])
    assert both.exit_code == 0, both.output
    pdf = tmp_path / f"kansa-monthly-{tenant}-2025-04.ja.pdf"
    pdf_sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert f"{pdf}  sha256:{pdf_sha}" in both.output
    assert runner.invoke(app, [*args, "--format", "pdf"]).exit_code == 0
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == pdf_sha
    records = es.search(index=f"kansa-reports-{tenant}", query={"term": {"period": "2025-04"}}, size=10)["hits"]
    assert sorted((h["_source"]["format"], h["_source"]["sha256"]) for h in records["hits"]) == sorted([
        ("html", hashlib.sha256(path.read_bytes()).hexdigest()), ("pdf", pdf_sha)])
    assert runner.invoke(app, [*args, "--format", "html,doc"]).exit_code != 0

    en = runner.invoke(app, [*args, "--lang", "en"])
    assert en.exit_code == 0, en.output
    assert (tmp_path / f"kansa-monthly-{tenant}-2025-04.en.html").exists()
    assert runner.invoke(app, ["monthly", "--tenant", "12", "--month", "2025-04", "--out", str(tmp_path)]).exit_code


def test_annual_roll_up_counts_each_month_and_registers_critical_alerts(
        es: Elasticsearch, tenant: str, tmp_path: Path) -> None:
    events, alerts = _april(tenant)
    _index(es, events, alerts)
    data = annual_data(es, tenant, 2025)
    assert [m.month for m in data.months][:2] == ["2025-04", "2025-05"] and data.months[-1].month == "2026-03"
    april = data.months[0]
    assert april.events == len(_in_april(events))
    assert april.alerts_by_rule == dict(Counter(a.rule_id for a in alerts
                                                if a.occurred_at.astimezone(JST).strftime("%Y-%m") == "2025-04"))
    per_month = Counter(e.occurred_at.astimezone(JST).strftime("%Y-%m") for e in events)
    assert {m.month: m.events for m in data.months} == {m.month: per_month.get(m.month, 0) for m in data.months}
    critical = sorted(a.alert_id for a in alerts if a.severity.value == "critical"
                      and a.occurred_at >= dt.datetime(2023, 4, 1, tzinfo=JST))
    # Nothing triaged yet: every critical alert is listed as unclassified, none is an incident.
    assert sorted(e.alert_id for e in data.unclassified) == critical and critical
    assert data.incidents == () and data.incident_register.critical == len(critical)
    [html, pdf] = write_annual(data, tmp_path, formats=("html", "pdf"))
    text = html.read_text(encoding="utf-8")
    assert "年度自己点検報告書（2025年度）" in text and '<tr data-month="2026-03">' in text
    assert pdf.read_bytes().startswith(b"%PDF")


def _triage(es: Elasticsearch, alert: Alert, *steps: tuple[dt.timedelta, TriageRequest]) -> list[TriageEntry]:
    """Index the alert's triage history as the investigation API writes it; each step `after` detection."""
    entries: list[TriageEntry] = []
    for after, request in steps:
        entries.append(next_entry(
            request, entries[-1] if entries else None, tenant=alert.tenant, alert_id=alert.alert_id,
            by=f"officer-{len(entries) + 1}", at=alert.occurred_at + after, rule_id=alert.rule_id,
            severity=alert.severity, alert_detected_at=alert.occurred_at))
    helpers.bulk(es, [{"_op_type": "create", "_index": triage_index(alert.tenant),
                       "_id": f"{e.alert_id}:{e.seq:06d}", "_source": e.model_dump(mode="json")} for e in entries],
                 refresh="wait_for")
    return entries


ACK = TriageRequest(action=TriageAction.ACKNOWLEDGE)


def _resolve(resolution: Resolution, incident: IncidentClass | None = None, note: str = "") -> TriageRequest:
    return TriageRequest(action=TriageAction.RESOLVE, resolution=resolution, incident=incident, note=note)


def _audit(tenant: str, n: int, action: str, officer: str, at: str, result_count: int = 0, status: int = 200,
           role: str = "officer") -> Event:
    return parse_event({
        "event_id": f"ev-audit-{n}", "occurred_at": at, "tenant": tenant, "source_system": "kansa-investigate",
        "actor": {"id": officer, "type": "staff"}, "action": action, "endpoint": "POST /v1/tenants/{t}/events/search",
        "result_count": result_count, "http_status": status, "role": role,
        **({"outcome": "denied"} if action == "audit.denied" else {}),
    })


def _cells(html: str, marker: str) -> list[str]:
    row = html.split(marker, 1)[1].split("</tr>", 1)[0]
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)]


def test_disposition_audit_of_auditors_and_incident_register(es: Elasticsearch, tenant: str, tmp_path: Path) -> None:
    events, alerts = _april(tenant)
    audits = [
        _audit(tenant, 1, "audit.search", "sec-1", _at(3, 9), result_count=10),
        _audit(tenant, 2, "audit.search", "sec-1", _at(3, 10), result_count=20),
        _audit(tenant, 3, "audit.search", "sec-1", _at(4, 10), result_count=5),
        _audit(tenant, 4, "audit.history_export", "sec-1", _at(4, 11), result_count=100),
        _audit(tenant, 5, "audit.denied", "viewer-2", _at(5, 10), status=403, role="viewer"),
        _audit(tenant, 6, "audit.denied", "viewer-2", _at(5, 11), status=403, role="viewer"),
        _audit(tenant, 7, "audit.alert_triage", "sec-1", _at(6, 14)),
        _audit(tenant, 8, "audit.search", "sec-1", _at(1, 9, month=5), result_count=7),  # May: not April's
    ]
    _index(es, [*events, *audits], alerts)
    req2, req4, none_high, dr07, march = alerts
    h = dt.timedelta(hours=1)
    _triage(es, req2, (h, ACK), (3 * h + dt.timedelta(minutes=15),
                                 _resolve(Resolution.TRUE_POSITIVE, IncidentClass.SERIOUS, "委員会へ報告")))
    _triage(es, req4, (h / 2, ACK), (24 * h, _resolve(Resolution.FALSE_POSITIVE)))
    # DR-07: acknowledged in April, resolved as an incident only in May (after the April report's period).
    may_resolve = dt.datetime(2025, 5, 2, 10, tzinfo=JST) - dr07.occurred_at
    _triage(es, dr07, (h, ACK), (may_resolve, _resolve(Resolution.TRUE_POSITIVE, IncidentClass.INCIDENT, "再周知")))
    _triage(es, march, (h, ACK))  # March's alert: not in April's disposition
    # none_high (DR-32, high) has no entry: it is open.

    data = monthly_data(es, tenant, APRIL)
    html = render_monthly(data)
    assert {s.alert_id: s.status.value for s in data.dispositions.states} == {
        req2.alert_id: "resolved", req4.alert_id: "resolved", dr07.alert_id: "acknowledged"}
    assert f"kansa-triage-{tenant}" in data.indices
    # rule, severity, alerts, open, acknowledged, resolved, TP, FP, benign, median, max:
    # 3h15m and 24h -> median 13h37m30s, shown 13時間37分; max 1日0時間0分.
    assert _cells(html, 'data-disposition="DR-32/critical"') == [
        "DR-32", "重大", "2", "0", "0", "2", "1", "1", "0", "13時間37分", "1日0時間0分"]
    assert _cells(html, 'data-disposition="DR-32/high"') == [
        "DR-32", "高", "1", "1", "0", "0", "0", "0", "0", "—", "—"]
    assert _cells(html, 'data-disposition="DR-07/high"') == [
        "DR-07", "高", "1", "0", "1", "0", "0", "0", "0", "—", "—"]
    assert "期末時点で未完了のアラート 2 件（未対応 1 件、対応中 1 件）" in html
    # The rule with a true positive is listed for the 所属長 to consider, flagged as a serious incident.
    assert _cells(html, 'data-review-rule="DR-32"') == ["DR-32", "DR-32 の名称", "1", "0", "1", "なし（要検討）"]
    assert 'data-review-rule="DR-07"' not in html  # its true positive came after the period

    # Audit of the auditors: April only, per action and per officer.
    assert "調査用APIの利用 7 件（利用者 2 名）" in html
    assert re.search(r'id="audit-denied">2 件<', html)
    assert _cells(html, 'data-audit-action="audit.search"') == ["検索", "audit.search", "3", "35"]
    assert _cells(html, 'data-audit-action="audit.history_export"')[2:] == ["1", "100"]
    assert _cells(html, 'data-officer="sec-1"') == ["sec-1", "3", "0", "1", "0", "1", "0", "5"]
    assert _cells(html, 'data-officer="viewer-2"') == ["viewer-2", "0", "0", "0", "0", "0", "2", "2"]

    # Triage after the period does not change the report: regenerating gives the same bytes.
    _triage(es, none_high, (dt.timedelta(days=40), ACK))
    assert render_monthly(monthly_data(es, tenant, APRIL)) == html
    # March's alert, only acknowledged, is carried over into April's report as still unresolved.
    assert re.search(r'id="carried">前月以前（過去12か月）に発生し期末時点で未完了のアラート 1 件（', html)
    # Generated later (3 May, 09:00 JST): DR-07's resolution of 2 May counts, the later acknowledgement does not.
    later = dt.datetime(2025, 5, 3, 9, tzinfo=JST)
    late = render_monthly(monthly_data(es, tenant, APRIL, as_of=later), generated_at=later)
    assert _cells(late, 'data-disposition="DR-07/high"')[3:7] == ["0", "0", "1", "1"]
    assert "作成時点（日本時間 2025-05-03 09:00）で未完了のアラート 1 件（未対応 1 件、対応中 0 件）" in late
    assert render_monthly(monthly_data(es, tenant, APRIL, as_of=later), generated_at=later) == late
    # ...and May's report of the same tenant has no auditor activity of April's.
    may = render_monthly(monthly_data(es, tenant, Month.parse("2025-05")))
    assert "調査用APIの利用 1 件（利用者 1 名）" in may

    # The fiscal year's register, triaged as of March 2026: the serious incident and DR-07's May incident;
    # the false positive is classified (not an incident); nothing critical is left unclassified.
    year = annual_data(es, tenant, 2025)
    register = year.incident_register
    assert [(e.alert_id, e.incident) for e in year.incidents] == [
        (dr07.alert_id, IncidentClass.INCIDENT), (req2.alert_id, IncidentClass.SERIOUS)]
    assert year.incidents[1].note == "委員会へ報告" and year.incidents[1].closed_by == "officer-2"
    assert (register.critical, register.critical_not_incident, year.unclassified) == (2, 1, ())
    [path] = write_annual(year, tmp_path)
    text = path.read_text(encoding="utf-8")
    assert _cells(text, f'data-alert="{req2.alert_id}"')[3:5] == ["緊急", "重大事故"]
    assert _cells(text, f'data-alert="{dr07.alert_id}"')[3:5] == ["高", "事案"]


def test_annual_register_lists_an_untriaged_critical_alert_as_unclassified(es: Elasticsearch, tenant: str,
                                                                           tmp_path: Path) -> None:
    events, alerts = _april(tenant)
    _index(es, events, alerts)
    req2, req4 = alerts[0], alerts[1]
    _triage(es, req2, (dt.timedelta(hours=1), ACK))  # acknowledged, not classified
    year = annual_data(es, tenant, 2025)
    assert [(e.alert_id, e.status.value) for e in year.unclassified] == [
        (req2.alert_id, "acknowledged"), (req4.alert_id, "open")]
    [path] = write_annual(year, tmp_path)
    text = path.read_text(encoding="utf-8")
    assert _cells(text, f'data-alert="{req4.alert_id}"')[3:5] == ["未分類（重大度: 緊急）", "未対応"]
    assert "重大事故: なし" in text
