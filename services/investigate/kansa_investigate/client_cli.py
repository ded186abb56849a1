"""`kansa search …` and `kansa alerts …`: the investigation API from a terminal.

Settings come from the environment: `KANSA_API_URL` (default http://127.0.0.1:8090), `KANSA_API_TOKEN` (required;
`kansa api token create` issues one) and `KANSA_TENANT` (or `--tenant` on each command).

Output is an aligned table by default (rich, so Japanese text lines up) and machine-readable with `--json`: commands
that list things (`search events`, `alerts list`) write JSON Lines, one hit or alert per line, across every page with
`--all`; commands that answer with one thing (`search counts`, `search show`, `alerts show` and the triage commands)
write one JSON document.

A personal number is sent only in the JSON body of a POST, never in a URL, and is never printed. `--number -` asks for
it with a hidden prompt so it stays out of the shell history.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn
from urllib.parse import quote

import httpx
import typer
from rich import box
from rich.console import Console
from rich.table import Table

from kansa_schemas.alert import Severity
from kansa_schemas.envelope import Outcome
from kansa_schemas.indices import JST
from kansa_schemas.triage import AlertStatus, IncidentClass, Resolution

DEFAULT_API_URL = "http://127.0.0.1:8090"
PROMPT_NUMBER = "-"


class CountBy(StrEnum):
    DAY = "day"
    ACTOR = "actor"


class HistoryFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    HTML = "html"
    PDF = "pdf"

search_app = typer.Typer(
    help="Search access logs through the investigation API (KANSA_API_URL, KANSA_API_TOKEN, KANSA_TENANT).",
    no_args_is_help=True)
alerts_app = typer.Typer(
    help="List, read and triage alerts through the investigation API (KANSA_API_URL, KANSA_API_TOKEN, KANSA_TENANT).",
    no_args_is_help=True)


# --- talking to the API ----------------------------------------------------------------------------------------------

class ApiError(Exception):
    """The API answered with an error: its status, the field it names and its message."""

    def __init__(self, status: int, path: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Api:
    client: httpx.Client
    base_url: str
    tenant: str

    def _url(self, path: str) -> str:
        return f"{self.base_url}/v1/tenants/{self.tenant}{path}"

    def get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        return _checked(self.client.get(self._url(path), params=_present(params or {})))

    def post(self, path: str, body: dict[str, Any], params: dict[str, Any] | None = None) -> httpx.Response:
        # The body is where a personal number may travel; the URL and its query string never hold one.
        return _checked(self.client.post(self._url(path), json=_present(body), params=_present(params or {})))


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _checked(response: httpx.Response) -> httpx.Response:
    if response.is_success:
        return response
    path, message = "$", ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        path = str(body["error"].get("path", "$"))
        message = str(body["error"].get("message", ""))
    elif isinstance(body, dict) and "detail" in body:
        message = str(body["detail"])
    raise ApiError(response.status_code, path, message or response.reason_phrase or "request failed")


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"kansa: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def _api(tenant: str | None) -> Iterator[Api]:
    """A client for `tenant`, configured from the environment; API and connection errors end the command."""
    token = os.environ.get("KANSA_API_TOKEN", "").strip()
    if not token:
        _fail("KANSA_API_TOKEN is not set: ask an administrator for an API token (`kansa api token create`) "
              "and export it, e.g. `read -s KANSA_API_TOKEN && export KANSA_API_TOKEN`", 2)
    tenant = tenant or os.environ.get("KANSA_TENANT", "").strip()
    if not tenant:
        _fail("no tenant: give --tenant CODE or set KANSA_TENANT", 2)
    if not (len(tenant) == 6 and tenant.isdigit()):
        _fail("the tenant is a 6-digit municipality (団体) code, e.g. 141003", 2)
    base_url = (os.environ.get("KANSA_API_URL", "").strip() or DEFAULT_API_URL).rstrip("/")
    headers = {"Authorization": f"Bearer {token}", "User-Agent": "kansa-cli"}
    try:
        with httpx.Client(headers=headers, timeout=httpx.Timeout(300.0, connect=10.0)) as client:
            yield Api(client, base_url, tenant)
    except ApiError as exc:
        where = "" if exc.path in ("", "$") else f"{exc.path}: "
        # 4xx: the request was wrong (or not allowed) and retrying it as is will not help.
        _fail(f"{where}{exc.message} (HTTP {exc.status})", 2 if 400 <= exc.status < 500 else 1)
    except httpx.ConnectError:
        _fail(f"cannot reach the investigation API at {base_url}: start it with `kansa api serve` "
              "(and `kansa stack up` for Elasticsearch and Kafka), or point KANSA_API_URL at a running one", 1)
    except httpx.TimeoutException:
        _fail(f"the investigation API at {base_url} did not answer in time; try a narrower search", 1)
    except httpx.HTTPError as exc:
        _fail(f"request to {base_url} failed: {type(exc).__name__}", 1)


# --- options shared by several commands ------------------------------------------------------------------------------

def _when(value: str | None) -> str | None:
    """A date (JST midnight) or a date-time; without a zone it is read as JST. Sent as ISO 8601 with the zone."""
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        # The value is not echoed: whatever it is, it is not a date, and it might be something private.
        raise typer.BadParameter("not a date or date-time; use YYYY-MM-DD (JST midnight) or an ISO 8601 date-time "
                                 "such as 2026-10-01T09:00:00+09:00 (JST when no zone is given)") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=JST)).isoformat()


def _number(value: str | None) -> str | None:
    if value is None:
        return None
    if value == PROMPT_NUMBER:
        return str(typer.prompt("personal number (input hidden)", hide_input=True, err=True)).strip()
    typer.echo("kansa: note: a number given on the command line stays in the shell history; "
               "use --number - to type it at a hidden prompt", err=True)
    return value


_WHEN_HELP = "YYYY-MM-DD (JST midnight) or an ISO date-time; JST when no zone is given."
Tenant = Annotated[str | None, typer.Option(
    "--tenant", "-t", help="Municipality (団体) code; default $KANSA_TENANT.", show_default=False)]
AsJson = Annotated[bool, typer.Option("--json", help="Machine output (see each command) instead of a table.")]
Actor = Annotated[str | None, typer.Option(help="Staff or contractor user id.")]
SubjectRef = Annotated[str | None, typer.Option("--subject-ref", help="Resident token (mnt_…).")]
Number = Annotated[str | None, typer.Option(
    "--number", help="A raw personal number (officer role), sent only in the request body, never printed. "
                     "Give '-' to type it at a hidden prompt, which keeps it out of the shell history.")]
Terminal = Annotated[str | None, typer.Option(help="Terminal (host) id.")]
Family = Annotated[str | None, typer.Option(help="Action family, e.g. data_use, export_media, authentication.")]
Action = Annotated[str | None, typer.Option(help="Action, e.g. mynumber.search, export.executed.")]
Business = Annotated[str | None, typer.Option(help="Business (事務) code.")]
Case = Annotated[str | None, typer.Option(help="Case (案件) id.")]
OutcomeOpt = Annotated[Outcome | None, typer.Option(help="success, denied or error.")]
From = Annotated[str | None, typer.Option("--from", callback=_when, help=f"Inclusive start: {_WHEN_HELP}")]
To = Annotated[str | None, typer.Option("--to", callback=_when, help=f"Exclusive end: {_WHEN_HELP}")]
Text = Annotated[str | None, typer.Option(help="Free text over the events' text fields (reason, purpose, …).")]
Size = Annotated[int, typer.Option(help="Hits per page (at most the server's maximum).")]
Cursor = Annotated[str | None, typer.Option(help="next_cursor of a previous page (same filters).")]
All = Annotated[bool, typer.Option("--all", help="Follow next_cursor to the last page.")]


def _event_filters(*, actor: str | None, subject_ref: str | None, number: str | None, terminal: str | None,
                   family: str | None, action: str | None, business: str | None, case: str | None,
                   outcome: Outcome | None, from_: str | None, to: str | None, text: str | None) -> dict[str, Any]:
    return {"actor": actor, "subject_ref": subject_ref, "number": _number(number), "terminal": terminal,
            "family": family, "action": action, "business": business, "case": case,
            "outcome": outcome.value if outcome else None, "from": from_, "to": to, "text": text}


# --- output ----------------------------------------------------------------------------------------------------------

def _console() -> Console:
    # No markup: values such as "[digits]" are data. Piped output is not cut to 80 columns.
    console = Console(markup=False, emoji=False, highlight=False)
    if not console.is_terminal:
        console = Console(markup=False, emoji=False, highlight=False, width=1000)
    return console


def _table(*columns: str, header: bool = True) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, show_header=header)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def _pages(fetch: Callable[[str | None], dict[str, Any]], items: str, cursor: str | None, all_pages: bool,
           as_json: bool) -> tuple[list[dict[str, Any]], int, int, str | None]:
    """Page from `cursor` (every page with `all_pages`): JSON Lines are written as they come, otherwise the items
    are kept. Returns the kept items, how many came, the total and the next cursor."""
    kept: list[dict[str, Any]] = []
    shown = total = 0
    while True:
        page = fetch(cursor)
        total, cursor = int(page["total"]), page.get("next_cursor")
        shown += len(page[items])
        if as_json:
            for item in page[items]:
                _json_line(item)
        else:
            kept.extend(page[items])
        if not (all_pages and cursor):
            return kept, shown, total, cursor


def _json_line(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _json_doc(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def _field(document: dict[str, Any], path: str) -> Any:
    value: Any = document
    for part in (path,) if path.startswith("@") else path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _jst(value: Any) -> str:
    """An ISO time as JST, `YYYY-MM-DD HH:MM:SS`; anything else unchanged."""
    if not isinstance(value, str):
        return _text(value)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return (parsed.astimezone(JST) if parsed.tzinfo else parsed).strftime("%Y-%m-%d %H:%M:%S")


EVENT_COLUMNS = (("time (JST)", "@timestamp"), ("action", "event.action"), ("outcome", "event.outcome"),
                 ("actor", "user.id"), ("section", "user.org_unit"), ("terminal", "host.id"),
                 ("business", "business_code"), ("subject", "subject_ref"), ("case", "kansa.case_id"),
                 ("event id", "_id"))


def _events_table(hits: list[dict[str, Any]]) -> Table:
    table = _table(*(title for title, _ in EVENT_COLUMNS))
    for hit in hits:
        table.add_row(*(_jst(_field(hit, path)) if path == "@timestamp" else _text(_field(hit, path))
                        for _, path in EVENT_COLUMNS))
    return table


def _flat(document: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in document.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flat(value, f"{name}.")
        else:
            yield name, value


def _fields_table(document: dict[str, Any]) -> Table:
    table = _table("field", "value", header=False)
    for name, value in _flat(document):
        if value is not None and value != {}:
            table.add_row(name, _jst(value) if name in ("@timestamp", "detected_at") else _text(value))
    return table


def _more(shown: int, total: int, cursor: str | None) -> None:
    if cursor:
        typer.echo(f"{shown} of {total} shown; the next page: --cursor {cursor} (or --all for every page)", err=True)


# --- kansa search ----------------------------------------------------------------------------------------------------

@search_app.command("events")
def search_events(
    tenant: Tenant = None, actor: Actor = None, subject_ref: SubjectRef = None, number: Number = None,
    terminal: Terminal = None, family: Family = None, action: Action = None, business: Business = None,
    case: Case = None, outcome: OutcomeOpt = None, from_: From = None, to: To = None, text: Text = None,
    size: Size = 50, cursor: Cursor = None, all_pages: All = False, as_json: AsJson = False,
) -> None:
    """Events matching every filter, oldest first. --json: JSON Lines, one event per line."""
    with _api(tenant) as api:
        # Built once the settings are known to be complete: --number - prompts here.
        body = _event_filters(actor=actor, subject_ref=subject_ref, number=number, terminal=terminal, family=family,
                              action=action, business=business, case=case, outcome=outcome, from_=from_, to=to,
                              text=text)
        body["size"] = size
        hits, shown, total, cursor = _pages(lambda at: api.post("/events/search", {**body, "cursor": at}).json(),
                                            "hits", cursor, all_pages, as_json)
    if not as_json:
        _console().print(_events_table(hits))
        typer.echo(f"{total} event(s) match" + ("" if shown == total else f"; {shown} shown"))
    _more(shown, total, cursor)


@search_app.command("counts")
def search_counts(
    by: Annotated[CountBy, typer.Option("--by", help="Per JST day or per actor.")] = CountBy.DAY,
    tenant: Tenant = None, actor: Actor = None, subject_ref: SubjectRef = None, number: Number = None,
    terminal: Terminal = None, family: Family = None, action: Action = None, business: Business = None,
    case: Case = None, outcome: OutcomeOpt = None, from_: From = None, to: To = None, text: Text = None,
    as_json: AsJson = False,
) -> None:
    """How many matching events per JST day or per actor. --json: one JSON document."""
    with _api(tenant) as api:
        body = _event_filters(actor=actor, subject_ref=subject_ref, number=number, terminal=terminal, family=family,
                              action=action, business=business, case=case, outcome=outcome, from_=from_, to=to,
                              text=text)
        counts = api.post("/events/counts", {**body, "by": by.value}).json()
    if as_json:
        _json_doc(counts)
        return
    table = _table("day (JST)" if counts["by"] == "day" else "actor", "events")
    for bucket in counts["buckets"]:
        table.add_row(bucket["key"], str(bucket["count"]))
    table.columns[1].justify = "right"
    _console().print(table)
    typer.echo(f"{counts['total']} event(s) in {len(counts['buckets'])} bucket(s)")


@search_app.command("show")
def search_show(event_id: Annotated[str, typer.Argument(help="The event id.")], tenant: Tenant = None,
                as_json: AsJson = False) -> None:
    """One event, every field. --json: one JSON document."""
    with _api(tenant) as api:
        event = api.get(f"/events/{_segment(event_id)}").json()
    if as_json:
        _json_doc(event)
    else:
        _console().print(_fields_table(event))


@search_app.command("export")
def search_export(
    out: Annotated[Path | None, typer.Option(help="Write the CSV here; default standard output.")] = None,
    tenant: Tenant = None, actor: Actor = None, subject_ref: SubjectRef = None, number: Number = None,
    terminal: Terminal = None, family: Family = None, action: Action = None, business: Business = None,
    case: Case = None, outcome: OutcomeOpt = None, from_: From = None, to: To = None, text: Text = None,
) -> None:
    """Every matching event as CSV (UTF-8 with BOM, for Excel; officer role)."""
    with _api(tenant) as api:
        body = _event_filters(actor=actor, subject_ref=subject_ref, number=number, terminal=terminal, family=family,
                              action=action, business=business, case=case, outcome=outcome, from_=from_, to=to,
                              text=text)
        content = api.post("/events/export", body).content
    _write(content, out)


@search_app.command("history")
def search_history(
    number: Number = None, subject_ref: SubjectRef = None, tenant: Tenant = None, from_: From = None, to: To = None,
    fmt: Annotated[HistoryFormat, typer.Option(
        "--format", help="table (on screen), json, csv (UTF-8 with BOM), html or pdf (Japanese, for the resident).",
    )] = HistoryFormat.TABLE,
    out: Annotated[Path | None, typer.Option(help="Write the file here (needed for pdf).")] = None,
) -> None:
    """Every access to one resident (officer role): who, section, terminal, action, business, justifying case.

    Give --number - (typed at a hidden prompt) or --subject-ref."""
    if fmt is HistoryFormat.PDF and out is None:
        raise typer.BadParameter("a PDF needs --out FILE", param_hint="'--out'")
    if fmt is HistoryFormat.TABLE and out is not None:
        raise typer.BadParameter("the table is for the screen; to write a file choose json, csv, html or pdf",
                                 param_hint="'--format'")
    with _api(tenant) as api:
        body = {"number": _number(number), "subject_ref": subject_ref, "from": from_, "to": to}
        wanted = "json" if fmt is HistoryFormat.TABLE else fmt.value
        response = api.post("/subjects/history", body, {"format": wanted})
    if fmt is not HistoryFormat.TABLE:
        _write(response.content, out)
        return
    history = response.json()
    table = _table("time (JST)", "actor", "section", "terminal", "action", "business", "outcome", "case")
    for row in history["rows"]:
        case = row["case_id"] or "no matching case (該当案件なし)"
        if row["case_id"] and row["case_basis"] == "window":
            case += " (nearby case)"
        table.add_row(_jst(row["at"]), row["actor"], _text(row["department"]), _text(row["terminal"]), row["action"],
                      _text(row["business"]), row["outcome"], case)
    typer.echo(f"resident {history['subject_ref']}")
    _console().print(table)
    typer.echo(f"{len(history['rows'])} access(es), {history['without_case']} without a matching case")


def _write(content: bytes, out: Path | None) -> None:
    if out is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    typer.echo(f"wrote {out} ({len(content)} bytes)", err=True)


def _segment(value: str) -> str:
    """An id as one URL path segment."""
    return quote(value, safe="")


# --- kansa alerts ----------------------------------------------------------------------------------------------------

ALERT_COLUMNS = ("time (JST)", "rule", "severity", "status", "assignee", "actor", "title", "count", "alert id")


def _alert_row(view: dict[str, Any]) -> tuple[str, ...]:
    alert = view["alert"]
    return (_jst(alert.get("@timestamp")), _text(alert.get("rule_id")), _text(alert.get("severity")), view["status"],
            _text(view.get("assignee")), _text(_field(alert, "user.id")), _text(_field(alert, "title.ja")),
            _text(alert.get("count")), _text(alert.get("alert_id") or alert.get("_id")))


@alerts_app.command("list")
def alerts_list(
    tenant: Tenant = None,
    rule: Annotated[str | None, typer.Option(help="Rule id, e.g. DR-32.")] = None,
    severity: Annotated[Severity | None, typer.Option(help="critical, high, medium or low.")] = None,
    status: Annotated[AlertStatus | None, typer.Option(help="open, acknowledged or resolved.")] = None,
    actor: Actor = None,
    assignee: Annotated[str | None, typer.Option(help="Officer the alert is assigned to.")] = None,
    from_: From = None, to: To = None, size: Size = 50, cursor: Cursor = None, all_pages: All = False,
    as_json: AsJson = False,
) -> None:
    """Alerts, newest first, with their triage state. --json: JSON Lines, one alert (with status, assignee and
    seq) per line."""
    params: dict[str, Any] = {
        "rule": rule, "severity": severity.value if severity else None, "status": status.value if status else None,
        "actor": actor, "assignee": assignee, "from": from_, "to": to, "size": size}
    with _api(tenant) as api:
        views, shown, total, cursor = _pages(lambda at: api.get("/alerts", {**params, "cursor": at}).json(),
                                             "alerts", cursor, all_pages, as_json)
    if not as_json:
        table = _table(*ALERT_COLUMNS)
        for view in views:
            table.add_row(*_alert_row(view))
        _console().print(table)
        typer.echo(f"{total} alert(s) match" + ("" if shown == total else f"; {shown} shown"))
    _more(shown, total, cursor)


def _print_detail(detail: dict[str, Any], as_json: bool) -> None:
    if as_json:
        _json_doc(detail)
        return
    alert = detail["alert"]
    console = _console()
    summary = {
        "alert id": alert.get("alert_id") or alert.get("_id"), "rule": alert.get("rule_id"),
        "severity": alert.get("severity"), "status": detail["status"], "assignee": detail.get("assignee"),
        "triage steps": detail["seq"], "title": _field(alert, "title.ja"), "what to do": _field(alert, "action.ja"),
        "actor": _field(alert, "user.id"), "occurred (JST)": _jst(alert.get("@timestamp")),
        "detected (JST)": _jst(alert.get("detected_at")), "count": alert.get("count"),
        "assessment": alert.get("assessment_refs"), "key": alert.get("key"),
        **{f"details.{k}": v for k, v in (alert.get("details") or {}).items()},
    }
    table = _table("field", "value", header=False)
    for name, value in summary.items():
        if value not in (None, "", [], {}):
            table.add_row(name, _text(value))
    console.print(table)
    if detail["history"]:
        typer.echo("triage history")
        steps = _table("step", "time (JST)", "by", "action", "status", "assignee", "resolution", "incident", "note")
        for entry in detail["history"]:
            steps.add_row(str(entry["seq"]), _jst(entry["at"]), entry["by"], entry["action"], entry["status"],
                          _text(entry.get("assignee")), _text(entry.get("resolution")), _text(entry.get("incident")),
                          _text(entry.get("note")))
        console.print(steps)
    if detail["events"]:
        typer.echo("events behind the alert")
        console.print(_events_table(detail["events"]))


@alerts_app.command("show")
def alerts_show(alert_id: Annotated[str, typer.Argument(help="The alert id (al_…).")], tenant: Tenant = None,
                as_json: AsJson = False) -> None:
    """One alert with its triage history and the events behind it. --json: one JSON document."""
    with _api(tenant) as api:
        detail = api.get(f"/alerts/{_segment(alert_id)}").json()
    _print_detail(detail, as_json)


AlertId = Annotated[str, typer.Argument(help="The alert id (al_…).")]
Note = Annotated[str, typer.Option(help="Why; kept in the alert's append-only history.")]
ExpectedSeq = Annotated[int | None, typer.Option(
    "--expected-seq", help="The step count you last saw (alerts show); refused if the alert moved on since.")]


def _triage(tenant: str | None, alert_id: str, body: dict[str, Any], as_json: bool) -> None:
    with _api(tenant) as api:
        detail = api.post(f"/alerts/{_segment(alert_id)}/triage", body).json()
    if as_json:
        _json_doc(detail)
        return
    assignee = detail.get("assignee")
    typer.echo(f"{alert_id}: {detail['status']}" + (f", assigned to {assignee}" if assignee else "")
               + f" (step {detail['seq']})")


@alerts_app.command("ack")
def alerts_ack(alert_id: AlertId, note: Note = "", tenant: Tenant = None, expected_seq: ExpectedSeq = None,
               as_json: AsJson = False) -> None:
    """Acknowledge an open alert (officer role); it is assigned to you unless it already has an assignee."""
    _triage(tenant, alert_id, {"action": "acknowledge", "note": note, "expected_seq": expected_seq}, as_json)


@alerts_app.command("resolve")
def alerts_resolve(
    alert_id: AlertId,
    resolution: Annotated[Resolution, typer.Option(help="true_positive, false_positive or benign.")],
    incident: Annotated[IncidentClass | None, typer.Option(
        help="For a true positive: none, incident (事案) or serious (重大事態).")] = None,
    note: Note = "", tenant: Tenant = None, expected_seq: ExpectedSeq = None, as_json: AsJson = False,
) -> None:
    """Resolve an acknowledged alert (officer role)."""
    _triage(tenant, alert_id, {"action": "resolve", "resolution": resolution.value,
                               "incident": incident.value if incident else None, "note": note,
                               "expected_seq": expected_seq}, as_json)


@alerts_app.command("reopen")
def alerts_reopen(alert_id: AlertId, note: Note = "", tenant: Tenant = None, expected_seq: ExpectedSeq = None,
                  as_json: AsJson = False) -> None:
    """Reopen a resolved alert (officer role)."""
    _triage(tenant, alert_id, {"action": "reopen", "note": note, "expected_seq": expected_seq}, as_json)


@alerts_app.command("assign")
def alerts_assign(alert_id: AlertId, to: Annotated[str, typer.Option("--to", help="The officer's user id.")],
                  note: Note = "", tenant: Tenant = None, expected_seq: ExpectedSeq = None,
                  as_json: AsJson = False) -> None:
    """Assign an open or acknowledged alert to an officer (officer role)."""
    _triage(tenant, alert_id, {"action": "assign", "assignee": to, "note": note, "expected_seq": expected_seq},
            as_json)


@alerts_app.command("note")
def alerts_note(alert_id: AlertId, note: Annotated[str, typer.Option(help="The note to add.")],
                tenant: Tenant = None, expected_seq: ExpectedSeq = None, as_json: AsJson = False) -> None:
    """Add a note to an alert in any state (officer role)."""
    _triage(tenant, alert_id, {"action": "note", "note": note, "expected_seq": expected_seq}, as_json)
