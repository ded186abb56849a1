"""The report renderer on hand-built query results: no Elasticsearch needed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kansa_reporter.es_queries import (
    ActionCount,
    AlertGroup,
    AlertsSummary,
    EventsExamined,
    ExportLedger,
    FamilyCount,
    LedgerRow,
    MonthlyData,
)
from kansa_reporter.period import Month
from kansa_reporter.report.render import PersonalNumberInReport, render_monthly, write_monthly
from kansa_reporter.report.rules import ReportedRule, default_rules, reported_rules, rule_sort_key, rules_to_report
from kansa_schemas.alert import LocalisedText, Severity
from kansa_schemas.indices import JST
from kansa_schemas.mynumber import make_valid
from kansa_schemas.rule import TenantOverrides, load_catalogue

TENANT = "271403"
APRIL = Month.parse("2025-04")


def _row(event_id: str, executor: str = "u-1", approvers: tuple[str, ...] = ("boss-1",), **kw: object) -> LedgerRow:
    fields: dict[str, object] = {
        "event_id": event_id, "executed_at": dt.datetime(2025, 4, 3, 10, 0, tzinfo=JST), "outcome": "success",
        "executor_id": executor, "terminal_id": "T-01", "device_id": "USB-01", "device_registered": True,
        "encrypted": True, "file_id": "F-01", "record_count": 12, "request_id": "REQ-1", "approver_ids": approvers,
    }
    fields.update(kw)
    return LedgerRow.model_validate(fields)


def _data(rows: tuple[LedgerRow, ...] = (), groups: tuple[AlertGroup, ...] = ()) -> MonthlyData:
    families = (
        FamilyCount(family="authentication", count=7, actions=(
            ActionCount(action="auth.login", count=4), ActionCount(action="auth.logout", count=3))),
        FamilyCount(family="export_media", count=5, actions=(
            ActionCount(action="export.approved", count=2), ActionCount(action="export.executed", count=3))),
    )
    return MonthlyData(
        tenant=TENANT, month=APRIL,
        events=EventsExamined(total=12, families=families, indices=(f"kansa-events-{TENANT}-2025.04",)),
        alerts=AlertsSummary(groups=groups, indices=()),
        ledger=ExportLedger(rows=rows, indices=(), approval_indices=()),
    )


DR32 = AlertGroup(
    rule_id="DR-32", severity=Severity.CRITICAL,
    title=LocalisedText(ja="上長承認のない書き出し", en="Export w/o approval"),
    assessment_refs=("000 L341",), alerts=2, occurrences=3,
)


RULES_DIR = Path(__file__).resolve().parents[3] / "services" / "detector" / "rules"


def test_checks_without_alerts_say_none_found_with_examined_count() -> None:
    html = render_monthly(_data(groups=(DR32,)))
    assert "該当なし（検査対象 7 件、期間 2025-04-01〜2025-04-30）" in html  # DR-07
    assert "該当なし（検査対象 2 件、期間 2025-04-01〜2025-04-30）" in html  # DR-33: export.approved
    assert "該当なし（検査対象 12 件、期間 2025-04-01〜2025-04-30）" in html  # DR-01: every event
    assert "該当あり（アラート 2 件、発生 3 回、検査対象 5 件）" in html  # DR-32: approvals and executions
    # DR-24 looks at data_use, which sent nothing: that is "not evaluable", never a clean result.
    assert "評価不能：入力ソースなし（data_use のイベント 0 件、期間 2025-04-01〜2025-04-30）" in html


def test_ledger_shows_approver_or_no_approval() -> None:
    html = render_monthly(_data(rows=(_row("ev-a"), _row("ev-b", approvers=(), request_id=None))))
    assert "boss-1" in html
    assert html.count(">承認なし<") == 1
    assert "承認なし 1 件" in html


def test_every_value_is_escaped() -> None:
    html = render_monthly(_data(rows=(_row("ev-a", executor="<script>alert(1)</script>"),)))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_refuses_a_personal_number(tmp_path: Path) -> None:
    leaked = _row("ev-a", file_id=f"export-{make_valid('12345678901')}.csv")
    with pytest.raises(PersonalNumberInReport):
        write_monthly(_data(rows=(leaked,)), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_same_data_same_bytes_and_no_clock() -> None:
    first = render_monthly(_data(rows=(_row("ev-a"),), groups=(DR32,)))
    assert first == render_monthly(_data(rows=(_row("ev-a"),), groups=(DR32,)))
    assert "作成日時" not in first
    stamped = render_monthly(_data(), generated_at=dt.datetime(2025, 5, 1, 9, 0, tzinfo=JST))
    assert "2025-05-01T09:00:00+09:00" in stamped


def test_english(tmp_path: Path) -> None:
    [path] = write_monthly(_data(rows=(_row("ev-a", approvers=()),)), tmp_path, lang="en")
    assert path.name == f"kansa-monthly-{TENANT}-2025-04.en.html"
    html = path.read_text(encoding="utf-8")
    assert "None found (7 events examined, period 2025-04-01 to 2025-04-30)" in html
    assert "no approval" in html


def test_rules_from_the_caller_plus_every_alerted_rule() -> None:
    mine = [ReportedRule(rule_id="DR-100", title=LocalisedText(ja="甲", en="A")),
            ReportedRule(rule_id="DR-9", title=LocalisedText(ja="乙", en="B"))]
    ids = [r.rule_id for r in rules_to_report(_data(groups=(DR32,)).alerts, mine)]
    assert ids == ["DR-9", "DR-32", "DR-100"]
    # The report's default table lists every rule of the catalogue.
    catalogue_ids = load_catalogue(RULES_DIR).ids
    assert sorted(r.rule_id for r in default_rules(TENANT)) == sorted(catalogue_ids)
    assert rule_sort_key("DR-99") < rule_sort_key("DR-100")


def test_a_rule_disabled_for_the_tenant_is_shown_as_disabled() -> None:
    off = TenantOverrides.model_validate({"rules": {"DR-24": {"enabled": False}}})
    catalogue = load_catalogue(RULES_DIR, {TENANT: off})
    rules = reported_rules(catalogue, TENANT)
    assert [r.rule_id for r in rules if not r.enabled] == ["DR-24"]
    html = render_monthly(_data(), rules=rules)
    row = html.split('data-rule="DR-24"', 1)[1].split("</tr>", 1)[0]
    assert "無効（この団体では運用者が無効化" in row


def test_month_bounds() -> None:
    december = Month.parse("2024-12")
    assert december.end == dt.datetime(2025, 1, 1, tzinfo=JST)
    assert Month.parse("2024-02").last_day == dt.date(2024, 2, 29)
    with pytest.raises(ValueError):
        Month.parse("2024-13")


def test_each_area_has_its_section_with_what_came_in_and_each_rule_result() -> None:
    html = render_monthly(_data(rows=(_row("ev-a"),), groups=(DR32,)))
    for number, area, heading in ((4, "lifecycle", "4. アカウント管理"), (5, "impersonation", "5. 認証"),
                                  (6, "mynumber_use", "6. 個人番号の利用"), (8, "mail_transfer", "8. メール送信"),
                                  (9, "infonet", "9. 情報提供ネットワーク"), (11, "contractors", "11. 委託先"),
                                  (12, "retention_logs", "12. 保存・消去")):
        section = html.split(f'<section id="s{number:02d}-{area}">', 1)[1].split("</section>", 1)[0]
        assert heading in section
    auth = html.split('<section id="s05-impersonation">', 1)[1].split("</section>", 1)[0]
    assert "auth.login" in auth and 'data-rule="DR-07"' in auth
    assert "該当なし（検査対象 7 件、期間 2025-04-01〜2025-04-30）" in auth
    mail = html.split('<section id="s08-mail_transfer">', 1)[1].split("</section>", 1)[0]
    assert "当月の入力イベントなし" in mail and "評価不能：入力ソースなし（mail_transfer のイベント 0 件" in mail
    export_checks = html.split('<section id="s07-export_media">', 1)[1].split("</section>", 1)[0]
    assert 'data-rule="DR-32"' in export_checks and "該当あり（アラート 2 件" in export_checks
