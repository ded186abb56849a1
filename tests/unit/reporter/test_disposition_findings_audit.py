"""§13 disposition and time to close, §12.1 audit of the auditors, §14 items with no feed, §15 findings, and the
annual incident register: rendered from hand-built query results."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from kansa_reporter import es_queries
from kansa_reporter.annual import AnnualData, MonthRow
from kansa_reporter.es_queries import (
    ActionCount,
    AlertGroup,
    AuditActivity,
    Dispositions,
    IncidentRegister,
    MonthlyData,
    OfficerActivity,
    RegisterEntry,
    TriageState,
)
from kansa_reporter.profile import EXPECTED_ATTESTATIONS, InputError, load_attestations
from kansa_reporter.report.render import render_monthly, write_annual
from kansa_reporter.report.sections.s13_alerts import Duration
from kansa_schemas.alert import LocalisedText, Severity
from kansa_schemas.indices import JST
from kansa_schemas.triage import AlertStatus, IncidentClass, Resolution
from tests.unit.reporter.test_render import DR32, _data

DETECTED = dt.datetime(2025, 4, 10, 9, 0, tzinfo=JST)
DR07 = AlertGroup(rule_id="DR-07", severity=Severity.HIGH, title=LocalisedText(ja="同時ログイン", en="Concurrent"),
                  assessment_refs=("000 L334",), alerts=3, occurrences=3)


def _state(alert_id: str, group: AlertGroup, status: AlertStatus, resolution: Resolution | None = None,
           after: dt.timedelta | None = None, incident: IncidentClass | None = None) -> TriageState:
    return TriageState(
        alert_id=alert_id, rule_id=group.rule_id, severity=group.severity, status=status, seq=2,
        resolution=resolution, incident=incident, detected_at=DETECTED,
        closed_at=DETECTED + after if after is not None else None, closed_by="officer-1" if after else None,
    )


TRIAGED = (
    _state("a1", DR32, AlertStatus.RESOLVED, Resolution.TRUE_POSITIVE, dt.timedelta(hours=2, minutes=30),
           IncidentClass.INCIDENT),
    _state("a2", DR32, AlertStatus.ACKNOWLEDGED),
    _state("b1", DR07, AlertStatus.RESOLVED, Resolution.FALSE_POSITIVE, dt.timedelta(days=1, hours=2, minutes=5)),
    _state("b2", DR07, AlertStatus.RESOLVED, Resolution.BENIGN, dt.timedelta(minutes=10, seconds=59)),
    _state("b3", DR07, AlertStatus.OPEN),  # reopened: open again
)


def _triaged(states: tuple[TriageState, ...] = TRIAGED, groups: tuple[AlertGroup, ...] = (DR32, DR07)) -> MonthlyData:
    return _data(groups=groups).model_copy(update={"dispositions": Dispositions(states=states)})


def _cells(html: str, marker: str) -> list[str]:
    row = html.split(marker, 1)[1].split("</tr>", 1)[0]
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)]


def _section(html: str, section_id: str) -> str:
    return html.split(f'<section id="{section_id}">', 1)[1].split("</section>", 1)[0]


def test_disposition_per_rule_and_severity_with_time_to_close() -> None:
    html = render_monthly(_triaged())
    alerts = _section(html, "s13-alerts")
    # rule, severity, alerts, open, acknowledged, resolved, TP, FP, benign, median, max
    assert _cells(alerts, 'data-disposition="DR-32/critical"') == [
        "DR-32", "重大", "2", "0", "1", "1", "1", "0", "0", "2時間30分", "2時間30分"]
    # DR-07: 10m59s and 1d2h5m -> median 13h 7m (seconds dropped), max 1d 2h 5m; the reopened alert is open.
    assert _cells(alerts, 'data-disposition="DR-07/high"') == [
        "DR-07", "高", "3", "1", "0", "2", "0", "1", "1", "13時間7分", "1日2時間5分"]
    assert _cells(alerts, 'data-disposition="total"') == [
        "合計", "5", "1", "1", "3", "1", "1", "1", "2時間30分", "1日2時間5分"]
    assert "期末時点で未完了のアラート 2 件（未対応 1 件、対応中 1 件）" in alerts
    sign_off = _section(html, "s16-sign-off")
    assert "当月のアラート 5 件のうち期末時点で未完了 2 件" in sign_off


def test_alerts_without_a_triage_entry_are_open() -> None:
    html = render_monthly(_data(groups=(DR32,)))
    assert _cells(html, 'data-disposition="DR-32/critical"') == [
        "DR-32", "重大", "2", "2", "0", "0", "0", "0", "0", "—", "—"]
    assert "期末時点で未完了のアラート 2 件（未対応 2 件、対応中 0 件）" in html


def test_all_resolved_says_none_open_and_english_has_the_same_numbers() -> None:
    done = (TRIAGED[0], _state("a2", DR32, AlertStatus.RESOLVED, Resolution.BENIGN, dt.timedelta(seconds=30)))
    html = render_monthly(_triaged(done, (DR32,)))
    assert "期末時点で未完了のアラートなし（当月のアラート 2 件すべて完了）" in html
    assert _cells(html, 'data-disposition="DR-32/critical"')[-2:] == ["1時間15分", "2時間30分"]
    en = render_monthly(_triaged(), lang="en")
    assert _cells(en, 'data-disposition="DR-07/high"') == [
        "DR-07", "High", "3", "1", "0", "2", "0", "1", "1", "13h 7m", "1d 2h 5m"]
    assert "2 alerts still open at the end of the period (1 open, 1 acknowledged)" in en


def test_same_triage_same_bytes() -> None:
    assert render_monthly(_triaged()) == render_monthly(_triaged())


def test_duration_drops_seconds() -> None:
    assert Duration.of(93_959) == Duration(days=1, hours=2, minutes=5)
    assert Duration.of(59) == Duration(days=0, hours=0, minutes=0)


def _entry(seq: int, action: str, status: str, at: dt.datetime, **kw: Any) -> dict[str, Any]:
    return {"alert_id": "al-1", "seq": seq, "at": at.isoformat(), "by": f"o-{seq}", "action": action,
            "status": status, "note": "", "rule_id": "DR-32", "severity": "critical",
            "alert_detected_at": DETECTED.isoformat(), **kw}


def test_fold_takes_the_latest_entry_and_the_latest_resolve_step() -> None:
    h = dt.timedelta(hours=1)
    history = [
        _entry(1, "acknowledge", "acknowledged", DETECTED + h),
        _entry(2, "resolve", "resolved", DETECTED + 2 * h, resolution="benign", note="first"),
        _entry(3, "reopen", "open", DETECTED + 3 * h),
        _entry(4, "acknowledge", "acknowledged", DETECTED + 4 * h),
        _entry(5, "resolve", "resolved", DETECTED + 5 * h, resolution="true_positive", incident="serious",
               note="漏えい"),
        _entry(6, "note", "resolved", DETECTED + 6 * h, note="再発防止策: 手順改定"),
    ]
    state = es_queries._fold(history)
    assert (state.status, state.resolution, state.incident, state.seq) == (
        AlertStatus.RESOLVED, Resolution.TRUE_POSITIVE, IncidentClass.SERIOUS, 6)
    assert state.seconds_to_close == 5 * 3600 and state.closed_by == "o-5"
    assert state.note == "漏えい / 再発防止策: 手順改定"
    reopened = es_queries._fold(history[:3])
    assert (reopened.status, reopened.resolution, reopened.closed_at) == (AlertStatus.OPEN, None, None)


def test_audit_of_the_auditors_per_action_and_officer() -> None:
    auditors = AuditActivity(
        officers=(
            OfficerActivity(officer="sec-1", actions=(ActionCount(action="audit.history_export", count=2),
                                                      ActionCount(action="audit.search", count=5))),
            OfficerActivity(officer="viewer-9", actions=(ActionCount(action="audit.denied", count=3),)),
        ),
        results=(ActionCount(action="audit.history_export", count=120), ActionCount(action="audit.search", count=40)),
    )
    html = render_monthly(_data().model_copy(update={"auditors": auditors}))
    section = _section(html, "s12-auditors")
    assert "12.1 監査ログ閲覧等の記録（監査者の監査）" in section
    assert "調査用APIの利用 10 件（利用者 2 名）" in section
    assert re.search(r'id="audit-denied">3 件<', section)
    assert _cells(section, 'data-audit-action="audit.search"') == ["検索", "audit.search", "5", "40"]
    assert _cells(section, 'data-audit-action="audit.history_export"') == ["履歴の出力", "audit.history_export", "2",
                                                                          "120"]
    assert _cells(section, 'data-audit-action="audit.alert_triage"')[2] == "0"  # every action, zeros too
    # per officer: one column per action in the schema's order, then the total
    assert _cells(section, 'data-officer="sec-1"') == ["sec-1", "5", "0", "2", "0", "0", "0", "7"]
    assert _cells(section, 'data-officer="viewer-9"') == ["viewer-9", "0", "0", "0", "0", "0", "3", "3"]
    en = _section(render_monthly(_data().model_copy(update={"auditors": auditors}), lang="en"), "s12-auditors")
    assert "10 requests to the investigation API by 2 users" in en and 'id="audit-denied">3<' in en


def test_no_auditor_activity_says_none_with_the_period() -> None:
    section = _section(render_monthly(_data()), "s12-auditors")
    assert "該当なし（監査者の操作 0 件、期間 2025-04-01〜2025-04-30）" in section
    assert "<table" not in section


ATTESTATIONS = """month: 2025-04
items:
  - {item: training, done: true, attested_by: 佐藤 一郎, attested_on: 2025-04-25}
  - {item: pmh_review, done: false, not_applicable: true, attested_by: 佐藤 一郎, attested_on: 2025-04-28,
     note: PMH未導入}
findings:
  - {id: F-01, title: 承認なし書き出し, related: [DR-32], description: 承認のない書き出し,
     corrective_action: 手順の再周知, owner: 山田 花子, due: 2025-04-20, status: in_progress}
  - {id: F-02, title: 研修未受講者, related: [III-9], description: 未受講 2 名,
     corrective_action: 追加研修, owner: 佐藤 一郎, due: 2025-05-31, status: open}
"""


def _attestations(tmp_path: Path, text: str = ATTESTATIONS) -> Any:
    (tmp_path / "att.yaml").write_text(text, encoding="utf-8")
    return load_attestations(tmp_path / "att.yaml", "2025-04")


def test_findings_and_rules_with_true_positives_to_consider(tmp_path: Path) -> None:
    html = render_monthly(_triaged(), attestations=_attestations(tmp_path))
    findings = _section(html, "s15-findings")
    assert html.index('id="s15-findings"') < html.index('id="s16-sign-off"')
    assert "15. 所見及び是正措置" in findings
    assert _cells(findings, 'data-finding="F-01"') == [
        "F-01", "承認なし書き出し", "DR-32", "承認のない書き出し", "手順の再周知", "山田 花子", "2025-04-20",
        "対応中 期限超過"]  # due before the end of the month and not done
    assert _cells(findings, 'data-finding="F-02"')[-1] == "未着手"
    # DR-32 had a true positive (classified 事案) and F-01 names it; DR-07 had none.
    assert _cells(findings, 'data-review-rule="DR-32"') == ["DR-32", "上長承認のない書き出し", "1", "1", "0", "F-01"]
    assert 'data-review-rule="DR-07"' not in findings


def test_a_true_positive_without_a_finding_is_marked_to_consider(tmp_path: Path) -> None:
    html = render_monthly(_triaged(), attestations=_attestations(tmp_path, "month: 2025-04\n"))
    findings = _section(html, "s15-findings")
    assert '<p class="none" id="no-findings">所見の入力なし</p>' in findings
    assert "なし（要検討）" in _cells(findings, 'data-review-rule="DR-32"')[-1]


def test_no_findings_file_says_so_and_no_true_positive_says_none() -> None:
    findings = _section(render_monthly(_data(groups=(DR32,))), "s15-findings")
    assert "所見の入力なし（手入力ファイルの指定なし）" in findings
    assert "該当なし（真陽性と判断された当月のアラート 0 件、期末時点）" in findings
    en = _section(render_monthly(_data(), lang="en"), "s15-findings")
    assert "No findings entered (no attestations file given)" in en


def test_items_with_no_event_feed_are_expected_with_their_references(tmp_path: Path) -> None:
    html = render_monthly(_data(), attestations=_attestations(tmp_path))
    table = html.split('<table id="attestations">', 1)[1].split("</table>", 1)[0]
    for item in ("shared_id_register", "ic_card_reconciliation", "replica_reconciliation", "log_backups",
                 "media_wipe", "contract_end_certificates", "pmh_subcontractor_report"):
        assert item in EXPECTED_ATTESTATIONS
        assert _cells(table, f'data-item="{item}"')[2] == "未入力", item
    assert _cells(table, 'data-item="shared_id_register"')[:2] == [
        "共用IDの例外登録簿の確認", "requirements §4.2-4、III-3 リスク2、002 L253"]
    assert _cells(table, 'data-item="pmh_review"')[2] == "対象外"
    assert _cells(table, 'data-item="training"')[2] == "確認済"


@pytest.mark.parametrize(("text", "message"), [
    ("findings:\n  - {id: F-1, title: t, description: d, corrective_action: c, owner: o, due: 2025-05-01, "
     "status: open, severity: high}\n", r"findings\.0\.severity\n  Extra inputs are not permitted"),
    ("findings:\n  - {id: F-1, title: t, description: d, corrective_action: c, owner: o, due: 2025-05-01, "
     "status: closed}\n", r"findings\.0\.status\n  Input should be 'open', 'in_progress' or 'done'"),
    ("findings:\n  - {id: F-1, title: t, description: d, corrective_action: c, owner: o, status: open}\n",
     r"findings\.0\.due\n  Field required"),
    ("findings:\n" + "  - {id: F-1, title: t, description: d, corrective_action: c, owner: o, due: 2025-05-01, "
     "status: open}\n" * 2, "each finding id may appear once; repeated: F-1"),
    ("findings:\n  - {id: F-1, title: t, description: d, corrective_action: c, owner: o, due: 2025-04-31, "
     "status: open}\n", r"day is out of range for month \(a date must exist, YYYY-MM-DD\)"),
    ("items:\n  - {item: training, done: true, not_applicable: true, attested_by: a, attested_on: 2025-04-01}\n",
     "training: an item is either done or not applicable, not both"),
])
def test_bad_findings_name_the_file_and_the_field(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=r"(?s)att\.yaml: .*" + message):
        _attestations(tmp_path, "month: 2025-04\n" + text)


def _register_entry(alert_id: str, incident: IncidentClass | None, status: AlertStatus, **kw: Any) -> RegisterEntry:
    return RegisterEntry(
        occurred_at=dt.datetime(2025, 6, 1, 10, tzinfo=JST), rule_id="DR-32", severity=Severity.CRITICAL,
        title_ja="上長承認のない書き出し", title_en="Export w/o approval", actor_id="u-1", alert_id=alert_id,
        status=status, incident=incident, **kw)


def _annual(register: IncidentRegister) -> AnnualData:
    months = tuple(MonthRow(month=f"{2025 + (m < 4)}-{m:02d}", events=0, alerts=0, alerts_by_rule={})
                   for m in (*range(4, 13), *range(1, 4)))
    return AnnualData(tenant="271403", fiscal_year=2025, months=months, rules=(), incident_register=register,
                      incidents_from=dt.date(2023, 4, 1))


def test_annual_register_lists_incidents_and_unclassified_critical_alerts(tmp_path: Path) -> None:
    closed = dt.datetime(2025, 6, 2, 9, tzinfo=JST)
    register = IncidentRegister(
        incidents=(_register_entry("al-serious", IncidentClass.SERIOUS, AlertStatus.RESOLVED, closed_at=closed,
                                   closed_by="sec-1", note="個人情報保護委員会へ報告"),
                   _register_entry("al-incident", IncidentClass.INCIDENT, AlertStatus.RESOLVED, closed_at=closed)),
        unclassified=(_register_entry("al-open", None, AlertStatus.ACKNOWLEDGED),),
        critical=4, critical_not_incident=1,
    )
    [ja] = write_annual(_annual(register), tmp_path)
    text = ja.read_text(encoding="utf-8")
    assert _cells(text, 'data-alert="al-serious"') == [
        "2025-06-01 10:00", "DR-32", "上長承認のない書き出し", "緊急", "重大事故", "u-1", "2025-06-02", "sec-1",
        "個人情報保護委員会へ報告", "al-serious"]
    assert _cells(text, 'data-alert="al-incident"')[4] == "事案"
    assert _cells(text, 'data-alert="al-open"')[3:5] == ["未分類（重大度: 緊急）", "対応中"]
    summary = re.sub(r"<[^>]+>", "", text.split('<p id="serious-summary">', 1)[1].split("</p>", 1)[0])
    assert summary == "重大事故: あり（1 件）　事案: 1 件"
    assert "重大度「緊急」のアラート 4 件のうち、事案に該当しないと分類済み 1 件、未分類 1 件" in text
    [en] = write_annual(_annual(register), tmp_path, lang="en")
    assert "unclassified (severity: Critical)" in en.read_text(encoding="utf-8")


def test_annual_register_empty_says_none(tmp_path: Path) -> None:
    [ja] = write_annual(_annual(IncidentRegister()), tmp_path)
    text = ja.read_text(encoding="utf-8")
    assert '<p id="serious-summary">重大事故: なし　事案: 0 件</p>' in text
    assert "該当なし（事案・重大事故に分類されたアラート 0 件、2023-04-01 以降）" in text
    assert "該当なし（未分類の緊急アラート 0 件）" in text
