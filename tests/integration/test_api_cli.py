"""`kansa search …` and `kansa alerts …` against the investigation API served over the real Elasticsearch and Kafka."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from rich.cells import cell_len
from typer.testing import CliRunner, Result

from kansa_cli.main import app
from kansa_schemas import mynumber
from kansa_schemas.alert import Alert, alert_id_for
from kansa_schemas.events import Event, parse_event
from kansa_schemas.indices import JST
from tests.integration.conftest import ApiServer
from tests.integration.seed import index_alerts, index_events

pytestmark = pytest.mark.integration

NUMBER = mynumber.make_valid("12345678901")
runner = CliRunner()


def _at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, 0, tzinfo=JST)


def _event(tenant: str, event_id: str, action: str, at: dt.datetime, actor: str, org_unit: str,
           **fields: Any) -> Event:
    return parse_event({
        "event_id": event_id, "occurred_at": at.isoformat(), "tenant": tenant, "source_system": "jumin",
        "actor": {"id": actor, "type": "staff", "org_unit": org_unit}, "terminal_id": f"T-{actor}",
        "action": action, **fields})


def _seed(es: Elasticsearch, tenant: str, subject: str) -> tuple[list[Event], Alert]:
    """Seven events over three JST days (two of them touch `subject`) and one alert on the first."""
    events = [
        _event(tenant, "ev-1", "mynumber.search", _at(1, 9), "u-01", "住民課", subject_ref=subject,
               business_code="JUKI"),
        _event(tenant, "ev-2", "record.view", _at(1, 10), "u-01", "住民課", subject_ref=subject, case_id="C-1",
               business_code="JUKI"),
        _event(tenant, "ev-3", "record.view", _at(2, 11), "u-02", "国民健康保険課", subject_ref="mnt_other",
               business_code="KOKUHO"),
        _event(tenant, "ev-4", "auth.login", _at(2, 8), "u-02", "国民健康保険課"),
        _event(tenant, "ev-5", "record.print", _at(3, 14), "u-03", "税務課", outcome="denied"),
        _event(tenant, "ev-6", "auth.login", _at(3, 8), "u-03", "税務課"),
        _event(tenant, "ev-7", "auth.logout", _at(3, 18), "u-03", "税務課"),
    ]
    at = _at(1, 9).isoformat()
    alert = Alert(
        alert_id=alert_id_for("DR-07", 1, tenant, "u-01", at), tenant=tenant, rule_id="DR-07", rule_version=1,
        severity="high", title={"ja": "業務時間外の個人番号検索", "en": "My Number search out of hours"},
        action={"ja": "本人に理由を確認する", "en": "ask why"}, assessment_refs=("III-3",), actor_id="u-01",
        occurred_at=at, key="u-01", event_ids=("ev-1",), reference_version="ref-1")
    index_events(es, events)
    index_alerts(es, [alert])
    return events, alert


@pytest.fixture
def seeded(es: Elasticsearch, tenant: str, api_server: ApiServer) -> tuple[list[Event], Alert, str]:
    subject = mynumber.tokenise(NUMBER, api_server.settings.tenant_key(tenant))
    events, alert = _seed(es, tenant, subject)
    return events, alert, subject


def _kansa(api_server: ApiServer, token: str, tenant: str | None, *args: str, input: str | None = None) -> Result:
    env = {"KANSA_API_URL": api_server.base_url, "KANSA_API_TOKEN": token, "KANSA_TENANT": tenant}
    return runner.invoke(app, list(args), env=env, input=input)


def _json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _table_lines(text: str, header_start: str) -> list[str]:
    """The header and body lines of the first table in `text` (up to the first blank or summary line)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    table = []
    for line in lines[start:]:
        if not line.strip() or line.endswith("match"):
            break
        table.append(line)
    return table


def test_search_events_table_is_aligned_and_json_lines_are_the_hits(
        api_server: ApiServer, tenant: str, seeded: tuple[list[Event], Alert, str]) -> None:
    token = api_server.token("viewer", tenant)

    table = _kansa(api_server, token, tenant, "search", "events")
    assert table.exit_code == 0, table.output
    for event_id in ("ev-1", "ev-2", "ev-3", "ev-4", "ev-5", "ev-6", "ev-7"):
        assert event_id in table.stdout
    assert "7 event(s) match" in table.stdout
    assert "国民健康保険課" in table.stdout and "2026-10-02 08:00:00" in table.stdout
    # Japanese cells are double width: every row of the table occupies the same number of terminal cells, and the
    # event id column starts at the same cell on every row.
    lines = [line for line in _table_lines(table.stdout, "time (JST)") if set(line.strip()) != {"─"}]
    assert len(lines) == 8
    assert len({cell_len(line) for line in lines}) == 1, lines
    id_columns = {cell_len(line[:line.index("ev-")]) for line in lines[1:]}
    assert len(id_columns) == 1, lines
    section_columns = {cell_len(line[:line.index(section)]) for line in lines[1:]
                       for section in ("住民課", "国民健康保険課", "税務課") if section in line}
    assert len(section_columns) == 1, lines

    as_json = _kansa(api_server, token, tenant, "search", "events", "--json", "--family", "data_use")
    assert as_json.exit_code == 0, as_json.output
    hits = _json_lines(as_json.stdout)
    assert [h["_id"] for h in hits] == ["ev-1", "ev-2", "ev-3", "ev-5"]
    assert {h["event"]["category"] for h in hits} == {"data_use"}
    assert hits[2]["user"]["org_unit"] == "国民健康保険課"


def test_all_pages_through_next_cursor(api_server: ApiServer, tenant: str,
                                       seeded: tuple[list[Event], Alert, str]) -> None:
    token = api_server.token("viewer", tenant)

    first = _kansa(api_server, token, tenant, "search", "events", "--json", "--size", "2")
    assert first.exit_code == 0, first.output
    assert [h["_id"] for h in _json_lines(first.stdout)] == ["ev-1", "ev-2"]
    assert "2 of 7 shown" in first.stderr and "--cursor " in first.stderr

    every = _kansa(api_server, token, tenant, "search", "events", "--json", "--size", "2", "--all")
    assert every.exit_code == 0, every.output
    ids = [h["_id"] for h in _json_lines(every.stdout)]
    # Oldest first, every event once: no gap and no repeat across the four pages.
    assert ids == ["ev-1", "ev-2", "ev-4", "ev-3", "ev-6", "ev-5", "ev-7"]
    assert "--cursor" not in every.stderr

    table = _kansa(api_server, token, tenant, "search", "events", "--size", "3", "--all", "--actor", "u-03")
    assert table.exit_code == 0, table.output
    assert all(event_id in table.stdout for event_id in ("ev-5", "ev-6", "ev-7"))
    assert "ev-1" not in table.stdout
    assert "3 event(s) match" in table.stdout


def test_counts_per_day_and_per_actor(api_server: ApiServer, tenant: str,
                                      seeded: tuple[list[Event], Alert, str]) -> None:
    token = api_server.token("viewer", tenant)

    per_day = _kansa(api_server, token, tenant, "search", "counts", "--by", "day")
    assert per_day.exit_code == 0, per_day.output
    rows = {tuple(line.split()) for line in per_day.stdout.splitlines()}
    assert {("2026-10-01", "2"), ("2026-10-02", "2"), ("2026-10-03", "3")} <= rows
    assert "7 event(s) in 3 bucket(s)" in per_day.stdout

    per_actor = _kansa(api_server, token, tenant, "search", "counts", "--by", "actor", "--json")
    assert per_actor.exit_code == 0, per_actor.output
    counts = json.loads(per_actor.stdout)
    assert counts["by"] == "actor" and counts["total"] == 7
    assert {b["key"]: b["count"] for b in counts["buckets"]} == {"u-01": 2, "u-02": 2, "u-03": 3}


def test_history_by_hidden_number_and_export_to_csv(api_server: ApiServer, tenant: str, tmp_path: Path,
                                         seeded: tuple[list[Event], Alert, str]) -> None:
    _, _, subject = seeded
    token = api_server.token("officer", tenant)
    out = tmp_path / "history.csv"

    result = _kansa(api_server, token, tenant, "search", "history", "--number", "-", "--format", "csv",
                    "--out", str(out), input=f"{NUMBER}\n")
    assert result.exit_code == 0, result.output
    assert NUMBER not in result.output
    content = out.read_bytes()
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][0] == "日時"
    # The resident's two accesses, and nothing about the other resident; the number is nowhere in the file.
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [("2026-10-01 09:00:00", "u-01", "住民課"),
                                                      ("2026-10-01 10:00:00", "u-01", "住民課")]
    assert rows[2][7] == "C-1"
    assert NUMBER not in content.decode("utf-8-sig")

    # The same number finds the token's events in a search, and the table names the resident only by token.
    search = _kansa(api_server, token, tenant, "search", "events", "--number", "-", input=f"{NUMBER}\n")
    assert search.exit_code == 0, search.output
    assert "2 event(s) match" in search.stdout and subject in search.stdout
    assert NUMBER not in search.output

    exported = _kansa(api_server, token, tenant, "search", "export", "--actor", "u-03", "--out",
                      str(tmp_path / "events.csv"))
    assert exported.exit_code == 0, exported.output
    lines = list(csv.reader(io.StringIO((tmp_path / "events.csv").read_text(encoding="utf-8-sig"))))
    assert [row[1] for row in lines[1:]] == ["ev-6", "ev-5", "ev-7"]

    on_screen = _kansa(api_server, token, tenant, "search", "history", "--subject-ref", subject)
    assert on_screen.exit_code == 0, on_screen.output
    assert "2 access(es), 1 without a matching case" in on_screen.stdout
    assert "no matching case" in on_screen.stdout

    pdf = tmp_path / "history.pdf"
    printed = _kansa(api_server, token, tenant, "search", "history", "--subject-ref", subject, "--format", "pdf",
                     "--out", str(pdf))
    assert printed.exit_code == 0, printed.output
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "特定個人情報へのアクセス記録" in text and "該当する案件なし" in text


def test_alerts_list_ack_show(api_server: ApiServer, tenant: str, seeded: tuple[list[Event], Alert, str]) -> None:
    _, alert, _ = seeded
    officer = api_server.token("officer", tenant, user="officer07")

    listed = _kansa(api_server, officer, tenant, "alerts", "list")
    assert listed.exit_code == 0, listed.output
    row = next(line for line in listed.stdout.splitlines() if alert.alert_id in line)
    assert row.split()[2:5] == ["DR-07", "high", "open"]
    assert "業務時間外の個人番号検索" in row
    assert "1 alert(s) match" in listed.stdout

    acked = _kansa(api_server, officer, tenant, "alerts", "ack", alert.alert_id, "--note", "本人に確認中")
    assert acked.exit_code == 0, acked.output
    assert acked.stdout.strip() == f"{alert.alert_id}: acknowledged, assigned to officer07 (step 1)"

    shown = _kansa(api_server, officer, tenant, "alerts", "show", alert.alert_id)
    assert shown.exit_code == 0, shown.output
    summary = {tuple(line.strip().split(None, 1)) for line in shown.stdout.splitlines() if line.strip()}
    assert ("status", "acknowledged") in summary and ("assignee", "officer07") in summary
    assert "本人に確認中" in shown.stdout and "ev-1" in shown.stdout

    detail = json.loads(_kansa(api_server, officer, tenant, "alerts", "show", alert.alert_id, "--json").stdout)
    assert detail["status"] == "acknowledged" and detail["seq"] == 1
    assert [step["action"] for step in detail["history"]] == ["acknowledge"]

    only_open = _kansa(api_server, officer, tenant, "alerts", "list", "--status", "open", "--json")
    assert only_open.exit_code == 0 and _json_lines(only_open.stdout) == []

    resolved = _kansa(api_server, officer, tenant, "alerts", "resolve", alert.alert_id, "--resolution", "benign",
                      "--expected-seq", "1", "--json")
    assert resolved.exit_code == 0, resolved.output
    assert json.loads(resolved.stdout)["status"] == "resolved"


def test_api_errors_exit_with_the_message(api_server: ApiServer, tenant: str,
                                          seeded: tuple[list[Event], Alert, str]) -> None:
    _, alert, _ = seeded
    viewer = api_server.token("viewer", tenant)

    refused = _kansa(api_server, viewer, tenant, "alerts", "ack", alert.alert_id)
    assert refused.exit_code == 2
    assert "this needs the officer role; your token has viewer (HTTP 403)" in refused.stderr

    elsewhere = _kansa(api_server, viewer, None, "search", "events", "--tenant", "999999")
    assert elsewhere.exit_code == 2
    assert "not bound to tenant 999999" in elsewhere.stderr

    unknown = _kansa(api_server, "kat_not-a-token", tenant, "alerts", "list")
    assert unknown.exit_code == 2 and "unknown bearer token" in unknown.stderr

    backwards = _kansa(api_server, viewer, tenant, "search", "events", "--from", "2026-10-03", "--to", "2026-10-01")
    assert backwards.exit_code == 2
    assert "'from' must be before 'to' (HTTP 422)" in backwards.stderr

    bad_date = _kansa(api_server, viewer, tenant, "alerts", "list", "--from", "2026-10-32")
    assert bad_date.exit_code == 2
    assert "Invalid value for '--from'" in bad_date.output and "YYYY-MM-DD" in bad_date.output

    too_big = _kansa(api_server, viewer, tenant, "search", "events", "--size", "100000")
    assert too_big.exit_code == 2 and "above the maximum page size" in too_big.stderr

    bad_family = _kansa(api_server, viewer, tenant, "search", "counts", "--family", "nonsense")
    assert bad_family.exit_code == 2 and "family: " in bad_family.stderr and "unknown family" in bad_family.stderr

    missing = _kansa(api_server, viewer, tenant, "alerts", "show", "al_missing")
    assert missing.exit_code == 2 and "no alert al_missing" in missing.stderr

    # A date-only bound is JST midnight: the first day holds exactly ev-1 and ev-2.
    day = _kansa(api_server, viewer, tenant, "search", "events", "--json", "--from", "2026-10-01", "--to",
                 "2026-10-02")
    assert [h["_id"] for h in _json_lines(day.stdout)] == ["ev-1", "ev-2"]
