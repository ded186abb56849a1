"""`kansa api serve`: the investigation HTTP API (and the officers' web page under /ui).

Personal numbers travel only in JSON bodies of POST requests, never in a URL, because URLs end up in access logs;
the access log written here masks any number that still shows up in a path.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any, Literal

from elasticsearch import Elasticsearch
from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, generate_latest
from pydantic import ValidationError

from kansa_investigate.audit import AuditSink, AuditUnavailable
from kansa_investigate.history_render import csv_bytes, history_csv, history_html
from kansa_investigate.models import (
    AlertDetail,
    AlertFilters,
    AlertPage,
    Counts,
    CountsRequest,
    ErrorResponse,
    EventFilters,
    History,
    HistoryRequest,
    SearchPage,
    SearchRequest,
)
from kansa_investigate.service import Caller, Investigation, Refused
from kansa_investigate.settings import InvestigateSettings
from kansa_investigate.tokens import TokenStore
from kansa_schemas import mynumber
from kansa_schemas.triage import TriageRequest

log = logging.getLogger("kansa_investigate.access")
REQUESTS = Counter("kansa_api_requests_total", "API requests by route and status", ["route", "status"])
SESSION_COOKIE = "kansa_token"
TenantPath = Annotated[str, Path(pattern=r"^\d{6}$", description="Municipality (団体) code.")]
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse} for status in (400, 401, 403, 404, 409, 410, 413, 422, 503)}


def _caller(request: Request, tenant: TenantPath) -> Caller:
    """The token's holder, from the Authorization header (API, CLI) or the web page's session cookie."""
    investigation: Investigation = request.app.state.investigation
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else request.cookies.get(SESSION_COOKIE, "")
    record = request.app.state.tokens.verify(token) if token else None
    if record is None:
        # The route template, not the URL: the URL may hold ids (or a number) typed by whoever is knocking.
        route = getattr(request.scope.get("route"), "path", request.url.path)
        raise investigation.refuse_unauthenticated(tenant, f"{request.method} {route}")
    return Caller(record, "ui" if request.url.path.startswith("/ui") else "api")


CallerDep = Annotated[Caller, Depends(_caller)]


def first_problem(exc: RequestValidationError | ValidationError) -> tuple[Mapping[str, Any], str, str]:
    """The first validation error, its field and its message; never the input, which may be a personal number."""
    first = exc.errors()[0]
    location = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")) or "$"
    return first, location, str(first.get("msg", "invalid value"))


def _error(status: int, path: str, message: str) -> JSONResponse:
    # A message may quote what was typed (an id, an unknown value): nothing that may be a number is echoed.
    return JSONResponse(status_code=status,
                        content={"error": {"path": path, "message": mynumber.redact_number_like(message)}})


def create_app(settings: InvestigateSettings, es: Elasticsearch, audit: AuditSink) -> FastAPI:
    app = FastAPI(title="kansa investigation API", version="1", docs_url=None, redoc_url=None,
                  description="Search access logs, per-resident access histories and alert triage. Every call is "
                              "audited. Authenticate with `Authorization: Bearer <token>`.")
    tokens = TokenStore(settings.tokens_file)
    investigation = Investigation(settings, es, audit, tokens)
    app.state.investigation = investigation
    app.state.tokens = tokens

    @app.middleware("http")
    async def access_log(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        REQUESTS.labels(template, str(response.status_code)).inc()
        # The path is masked wholesale: no run of 12+ digits is ever written, valid number or not.
        log.info("%s %s %s %.0fms", request.method, mynumber.redact_number_like(request.url.path),
                 response.status_code, 1000 * (time.perf_counter() - started))
        return response

    @app.exception_handler(Refused)
    async def refused(_: Request, exc: Refused) -> JSONResponse:
        return _error(exc.status, exc.path, exc.message)

    @app.exception_handler(AuditUnavailable)
    async def unaudited(_: Request, exc: AuditUnavailable) -> JSONResponse:
        return _error(503, "$", str(exc))

    @app.exception_handler(mynumber.MissingTenantKey)
    async def keyless(_: Request, exc: mynumber.MissingTenantKey) -> JSONResponse:
        log.error("%s", exc)
        return _error(503, "tenant", f"this tenant is not set up for searching: {exc}")

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first, location, message = first_problem(exc)
        if first.get("type") == "extra_forbidden":
            message = f"unknown field {location!r}; see the API description (GET /openapi.json) for the fields"
        elif str(first.get("type", "")).startswith(("datetime", "timezone")):
            message = f"{message}; give a date-time with a time zone, e.g. 2026-10-01T00:00:00+09:00"
        elif first.get("type") == "less_than_equal" or "size" in location:
            message = f"{message}; page with next_cursor instead of asking for more"
        return _error(422, location, message)

    @app.post("/v1/tenants/{tenant}/events/search", responses=_ERRORS)
    def search_events(tenant: TenantPath, body: SearchRequest, who: CallerDep) -> SearchPage:
        """Events matching every filter given, oldest first, one page at a time (`next_cursor`)."""
        return investigation.search(who, tenant, body)

    @app.post("/v1/tenants/{tenant}/events/counts", responses=_ERRORS)
    def count_events(tenant: TenantPath, body: CountsRequest, who: CallerDep) -> Counts:
        """How many matching events per JST day or per actor."""
        return investigation.counts(who, tenant, body)

    @app.post("/v1/tenants/{tenant}/events/export", responses={**_ERRORS, 200: {"content": {"text/csv": {}}}})
    def export_events(tenant: TenantPath, body: EventFilters, who: CallerDep) -> Response:
        """Every matching event as CSV (officer role)."""
        _, rows = investigation.export_csv(who, tenant, body)
        return Response(events_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="kansa-events-{tenant}.csv"'})

    @app.get("/v1/tenants/{tenant}/events/{event_id}", responses=_ERRORS)
    def get_event(tenant: TenantPath, event_id: str, who: CallerDep) -> dict[str, Any]:
        return investigation.event(who, tenant, event_id)

    @app.post("/v1/tenants/{tenant}/subjects/history", responses={
        **_ERRORS, 200: {"content": {"text/csv": {}, "text/html": {}, "application/pdf": {}}}})
    def subject_history(tenant: TenantPath, body: HistoryRequest, who: CallerDep,
                        format: Literal["json", "csv", "html", "pdf"] = "json") -> Any:
        """Every access to one resident with who, section, terminal, action, business and the justifying case
        (officer role). `number` is tokenised on the server; the answer names the resident only by token."""
        history = investigation.history(who, tenant, body, format)
        return history_response(history, format)

    @app.get("/v1/tenants/{tenant}/alerts", responses=_ERRORS)
    def list_alerts(tenant: TenantPath, filters: Annotated[AlertFilters, Query()], who: CallerDep) -> AlertPage:
        """Alerts, newest first, with their triage state."""
        return investigation.alerts(who, tenant, filters)

    @app.get("/v1/tenants/{tenant}/alerts/{alert_id}", responses=_ERRORS)
    def get_alert(tenant: TenantPath, alert_id: str, who: CallerDep) -> AlertDetail:
        """One alert with its triage history and the events behind it."""
        return investigation.alert(who, tenant, alert_id)

    @app.post("/v1/tenants/{tenant}/alerts/{alert_id}/triage", responses=_ERRORS)
    def triage_alert(tenant: TenantPath, alert_id: str, body: TriageRequest, who: CallerDep) -> AlertDetail:
        """Append a triage step (officer role): acknowledge, resolve, reopen, assign or note."""
        return investigation.triage(who, tenant, alert_id, body)

    from kansa_investigate.web import router as web_pages  # imports this module: included once it is loaded

    app.include_router(web_pages)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app


def history_response(history: History, format: str) -> Response | History:
    if format == "json":
        return history
    if format == "csv":
        return Response(history_csv(history), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="kansa-history-{history.tenant}.csv"'})
    html = history_html(history, dt.datetime.now(dt.UTC))
    if mynumber.contains_personal_number(html):
        raise Refused(500, "the history would show a personal number; it was not produced")
    if format == "html":
        return HTMLResponse(html)
    from kansa_reporter.report.render import render_pdf

    return Response(render_pdf(html, dt.datetime.now(dt.UTC)), media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="kansa-history-{history.tenant}.pdf"'})


EVENT_CSV_COLUMNS = ("@timestamp", "event.id", "event.action", "event.outcome", "user.id", "user.org_unit",
                     "host.id", "business_code", "subject_ref", "kansa.case_id", "source_system")


def events_csv(rows: list[dict[str, Any]]) -> bytes:
    return csv_bytes(EVENT_CSV_COLUMNS, ([dotted(row, column) for column in EVENT_CSV_COLUMNS] for row in rows))


def dotted(document: dict[str, Any], path: str) -> str:
    value: Any = document
    for part in (path,) if path.startswith("@") else path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else str(value)
