"""What an officer may do, checked and audited in one place, whichever door they came in by (API, CLI, web page).

Each operation takes the caller's token record and the tenant asked for. It refuses (and records the refusal) when
the token is not bound to that tenant or its role is too low, masks any personal number in the filters, runs the
query, records an audit event with what was asked and how many results came back, and only then returns.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from elasticsearch import Elasticsearch

from kansa_detector.reference_files import FileReferenceProvider
from kansa_investigate import queries
from kansa_investigate.audit import AuditSink, audit_event
from kansa_investigate.models import (
    AlertDetail,
    AlertFilters,
    AlertPage,
    AlertView,
    Counts,
    CountsRequest,
    EventFilters,
    History,
    HistoryRequest,
    SearchPage,
    SearchRequest,
)
from kansa_investigate.settings import InvestigateSettings
from kansa_investigate.tokens import Role, TokenRecord, TokenStore
from kansa_schemas import mynumber
from kansa_schemas.alert import Severity
from kansa_schemas.events.audit import AuditAction
from kansa_schemas.triage import AlertStatus, TriageEntry, TriageRequest, next_entry

log = logging.getLogger(__name__)


class Refused(Exception):
    """401/403/404/409/410/413/422 with a message the officer can act on; already audited when it is a refusal."""

    def __init__(self, status: int, message: str, path: str = "$") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.path = path


@dataclass(frozen=True)
class Caller:
    token: TokenRecord
    channel: str  # "api" or "ui": which door, recorded in the audit endpoint


class Investigation:
    def __init__(self, settings: InvestigateSettings, es: Elasticsearch, audit: AuditSink, tokens: TokenStore) -> None:
        self._settings = settings
        self._es = es
        self._audit = audit
        self._tokens = tokens
        self._reference = FileReferenceProvider(settings.reference_dir, check_interval=60.0)

    # --- authorisation and audit ---------------------------------------------------------------------------------

    def _record(self, caller: Caller | None, tenant: str, action: AuditAction, endpoint: str, query: dict[str, Any],
                result_count: int, status: int, target_ref: str | None = None,
                export_format: str | None = None) -> None:
        # The endpoint and the id acted on come from the URL as typed: a number in them is recorded as its token,
        # and they are cut to what an AuditEvent holds (an overlong id must not turn the request into a 500).
        endpoint = self._mask_text(tenant, f"{caller.channel if caller else 'api'} {endpoint}")[:200]
        if target_ref is not None:
            target_ref = self._mask_text(tenant, target_ref)[:128]
        self._audit.record(audit_event(
            tenant=tenant, user_id=caller.token.user_id if caller else "unauthenticated",
            role=caller.token.role.value if caller else "none", action=action,
            endpoint=endpoint, query=query, result_count=result_count,
            http_status=status, target_ref=target_ref, export_format=export_format))

    def _mask_text(self, tenant: str, text: str) -> str:
        try:
            return mynumber.mask_text(text, self._settings.tenant_key(tenant))[0]
        except KeyError:  # production tenant without a key: nothing number-like is kept at all
            return mynumber.redact_number_like(text)

    def _served(self, tenant: str) -> bool:
        """A tenant some token is bound to. Refusals are recorded only in tenants served here, so requests for
        made-up tenant codes cannot create an index per code."""
        return tenant in self._tokens.tenants()

    def refuse_unauthenticated(self, tenant: str, endpoint: str) -> Refused:
        if self._served(tenant):
            self._record(None, tenant, "audit.denied", endpoint, {}, 0, 401)
        else:
            log.warning("refused an unauthenticated request for tenant %s, not served here: %s",
                        mynumber.redact_number_like(tenant), mynumber.redact_number_like(endpoint))
        return Refused(401, "missing or unknown bearer token; ask your administrator for an API token",
                       "Authorization")

    def _authorise(self, caller: Caller, tenant: str, needed: Role, endpoint: str) -> None:
        if tenant not in caller.token.tenants:
            # Recorded in the tenant asked for when it is served here, else in the caller's own first tenant.
            where = tenant if self._served(tenant) else caller.token.tenants[0]
            self._record(caller, where, "audit.denied", endpoint, {"needed": "tenant", "tenant": tenant}, 0, 403)
            raise Refused(403, f"your token is not bound to tenant {tenant}", "tenant")
        if not caller.token.role.allows(needed):
            self._record(caller, tenant, "audit.denied", endpoint, {"needed": needed.value}, 0, 403)
            raise Refused(403, f"this needs the {needed.value} role; your token has {caller.token.role.value}", "role")

    def _event_query(self, caller: Caller, tenant: str, filters: EventFilters,
                     endpoint: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The Elasticsearch query for `filters` and the filters as they may be audited, with no raw number in
        either: a number typed into a free-text or id filter is searched as its token, the way ingest stored it,
        and a number given as `number` (officer role) is searched as the resident's token."""
        key = self._settings.tenant_key(tenant)
        updates = {}
        for name in ("actor", "subject_ref", "terminal", "business", "case", "text"):
            value = getattr(filters, name)
            if isinstance(value, str):
                masked_value, replaced = mynumber.mask_text(value, key)
                if replaced:
                    updates[name] = masked_value
        masked = filters.model_copy(update=updates) if updates else filters
        subject_ref = masked.subject_ref
        audited = masked.model_dump(mode="json", by_alias=True, exclude_none=True, exclude={"number", "cursor"})
        if masked.number:
            self._authorise(caller, tenant, Role.OFFICER, endpoint)
            subject_ref = mynumber.tokenise(masked.number, key)
            audited["number_token"] = subject_ref
        audited, _ = mynumber.mask_value(audited, key)
        return queries.event_query(masked, subject_ref, self._include_audit(caller)), audited

    def _include_audit(self, caller: Caller) -> bool:
        # Officers' own traces are read by administrators: auditing the auditors is not self-service.
        return caller.token.role.allows(Role.ADMIN)

    # --- events --------------------------------------------------------------------------------------------------

    def search(self, caller: Caller, tenant: str, request: SearchRequest) -> SearchPage:
        endpoint = "POST /v1/tenants/{tenant}/events/search"
        self._authorise(caller, tenant, Role.VIEWER, endpoint)
        if request.size > self._settings.investigate.max_page_size:
            raise Refused(422, f"size {request.size} is above the maximum page size "
                               f"{self._settings.investigate.max_page_size}; ask for less and page with next_cursor",
                          "size")
        # No number travels to Elasticsearch (or its slow log) in clear.
        query, audited = self._event_query(caller, tenant, request, endpoint)
        try:
            page = queries.search_events(self._es, tenant, query, request.size, request.cursor,
                                         self._settings.investigate.page_keep_alive)
        except queries.CursorError as exc:
            raise Refused(410 if "expired" in str(exc) else 400, str(exc), "cursor") from exc
        self._record(caller, tenant, "audit.search", endpoint, {**audited, "page": bool(request.cursor)},
                     len(page.hits), 200)
        return page

    def export_csv(self, caller: Caller, tenant: str, filters: EventFilters) -> tuple[int, list[dict[str, Any]]]:
        endpoint = "POST /v1/tenants/{tenant}/events/export"
        self._authorise(caller, tenant, Role.OFFICER, endpoint)
        query, audited = self._event_query(caller, tenant, filters, endpoint)
        total = queries.count_events(self._es, tenant, query)
        limit = self._settings.investigate.max_history_rows
        if total > limit:
            raise Refused(413, f"{total} events match; an export holds at most {limit}: narrow the time range")
        rows = list(queries.scan_events(self._es, tenant, query, self._settings.investigate.page_keep_alive, limit))
        self._record(caller, tenant, "audit.history_export", endpoint, audited, len(rows), 200, export_format="csv")
        return total, rows

    def counts(self, caller: Caller, tenant: str, request: CountsRequest) -> Counts:
        endpoint = "POST /v1/tenants/{tenant}/events/counts"
        self._authorise(caller, tenant, Role.VIEWER, endpoint)
        query, audited = self._event_query(caller, tenant, request, endpoint)
        counts = queries.event_counts(self._es, tenant, query, request.by)
        self._record(caller, tenant, "audit.search", endpoint, audited, counts.total, 200)
        return counts

    def event(self, caller: Caller, tenant: str, event_id: str) -> dict[str, Any]:
        endpoint = "GET /v1/tenants/{tenant}/events/{event_id}"
        self._authorise(caller, tenant, Role.VIEWER, endpoint)
        # An id is typed into the URL: a number in it is looked up (and recorded) as its token, as ingest stored it.
        event_id, _ = mynumber.mask_text(event_id, self._settings.tenant_key(tenant))
        found = queries.get_event(self._es, tenant, event_id, self._include_audit(caller))
        self._record(caller, tenant, "audit.event_view", endpoint, {}, 1 if found else 0, 200 if found else 404,
                     target_ref=event_id)
        if found is None:
            raise Refused(404, f"no event {event_id} in tenant {tenant}", "event_id")
        return found

    # --- per-resident history ------------------------------------------------------------------------------------

    def history(self, caller: Caller, tenant: str, request: HistoryRequest, export_format: str) -> History:
        endpoint = "POST /v1/tenants/{tenant}/subjects/history"
        self._authorise(caller, tenant, Role.OFFICER, endpoint)
        key = self._settings.tenant_key(tenant)
        # A number typed into subject_ref is taken as the resident it names (as search does), never kept in clear.
        subject_ref = (mynumber.tokenise(request.number, key) if request.number
                       else mynumber.mask_text(str(request.subject_ref), key)[0])
        query = queries.subject_access_query(subject_ref, request.from_, request.to)
        total = queries.count_events(self._es, tenant, query)
        limit = self._settings.investigate.max_history_rows
        if total > limit:
            raise Refused(413, f"{total} accesses; a history holds at most {limit}: give a shorter from/to range")
        accesses = list(queries.scan_events(self._es, tenant, query, self._settings.investigate.page_keep_alive, limit))
        rows = queries.history_rows(self._es, tenant, subject_ref, accesses, self._staff_departments(tenant))
        audited = {"subject_ref": subject_ref, "from": request.from_, "to": request.to}
        self._record(caller, tenant, "audit.history_export", endpoint, audited, len(rows), 200,
                     target_ref=subject_ref, export_format=export_format)
        return History(tenant=tenant, subject_ref=subject_ref, period_from=request.from_, period_to=request.to,
                       rows=rows, without_case=sum(1 for r in rows if r.case_basis == "none"))

    def _staff_departments(self, tenant: str) -> dict[str, str]:
        """staff id -> section name from the tenant's reference data, for events that do not carry org_unit."""
        bundle = self._reference.bundle(tenant)
        if bundle is None:
            return {}
        units = {u.org_unit: u.name for u in bundle.org_units}
        return {s.staff_id: units.get(s.org_unit, s.org_unit) for s in bundle.staff} | {
            f"unit:{code}": name for code, name in units.items()}

    # --- alerts --------------------------------------------------------------------------------------------------

    def alerts(self, caller: Caller, tenant: str, filters: AlertFilters) -> AlertPage:
        endpoint = "GET /v1/tenants/{tenant}/alerts"
        self._authorise(caller, tenant, Role.VIEWER, endpoint)
        if filters.size > self._settings.investigate.max_page_size:
            raise Refused(422, f"size {filters.size} is above the maximum page size "
                               f"{self._settings.investigate.max_page_size}", "size")
        key = self._settings.tenant_key(tenant)
        filters = filters.model_copy(update={  # a number typed into a filter is searched and audited as its token
            name: mynumber.mask_text(value, key)[0] for name in ("rule", "actor", "assignee")
            if isinstance(value := getattr(filters, name), str)})
        states = queries.triage_states(self._es, tenant)
        try:
            page = queries.search_alerts(self._es, tenant, queries.alert_query(filters, states), filters.size,
                                         filters.cursor, self._settings.investigate.page_keep_alive)
        except queries.CursorError as exc:
            raise Refused(410 if "expired" in str(exc) else 400, str(exc), "cursor") from exc
        self._record(caller, tenant, "audit.search", endpoint,
                     filters.model_dump(mode="json", by_alias=True, exclude_none=True, exclude={"cursor"}),
                     len(page.hits), 200)
        return AlertPage(total=page.total, alerts=[_view(hit, states.get(hit["_id"])) for hit in page.hits],
                         next_cursor=page.next_cursor)

    def alert(self, caller: Caller, tenant: str, alert_id: str) -> AlertDetail:
        endpoint = "GET /v1/tenants/{tenant}/alerts/{alert_id}"
        self._authorise(caller, tenant, Role.VIEWER, endpoint)
        alert_id, _ = mynumber.mask_text(alert_id, self._settings.tenant_key(tenant))
        found = queries.get_alert(self._es, tenant, alert_id)
        self._record(caller, tenant, "audit.alert_view", endpoint, {}, 1 if found else 0, 200 if found else 404,
                     target_ref=alert_id)
        if found is None:
            raise Refused(404, f"no alert {alert_id} in tenant {tenant}", "alert_id")
        return self._detail(tenant, found)

    def _detail(self, tenant: str, found: dict[str, Any]) -> AlertDetail:
        history = queries.triage_history(self._es, tenant, found["_id"])
        view = _view(found, history[-1] if history else None)
        events = queries.events_by_id(self._es, tenant, list(found.get("event_ids", [])))
        return AlertDetail(**view.model_dump(), history=history, events=events)

    def triage(self, caller: Caller, tenant: str, alert_id: str, request: TriageRequest) -> AlertDetail:
        endpoint = "POST /v1/tenants/{tenant}/alerts/{alert_id}/triage"
        self._authorise(caller, tenant, Role.OFFICER, endpoint)
        key = self._settings.tenant_key(tenant)
        alert_id, _ = mynumber.mask_text(alert_id, key)
        audited, _ = mynumber.mask_value(request.model_dump(mode="json", exclude_none=True), key)  # note and assignee

        def refused(status: int, message: str, path: str) -> Refused:
            # A refused step is on the trail too, with the status the officer saw.
            self._record(caller, tenant, "audit.alert_triage", endpoint, audited, 0, status, target_ref=alert_id)
            return Refused(status, message, path)

        found = queries.get_alert(self._es, tenant, alert_id)
        if found is None:
            raise refused(404, f"no alert {alert_id} in tenant {tenant}", "alert_id")
        history = queries.triage_history(self._es, tenant, alert_id)
        try:
            entry = next_entry(
                request, history[-1] if history else None, tenant=tenant, alert_id=alert_id,
                by=caller.token.user_id, at=dt.datetime.now(dt.UTC), rule_id=found["rule_id"],
                severity=Severity(found["severity"]),
                alert_detected_at=dt.datetime.fromisoformat(found["detected_at"].replace("Z", "+00:00")))
        except ValueError as exc:
            raise refused(409, str(exc), "action") from exc
        # Audited before it is stored: a triage step nobody can trace must not exist. If the store then loses a
        # race, a second record with 409 says the step did not happen.
        self._record(caller, tenant, "audit.alert_triage", endpoint, audited, 1, 200, target_ref=alert_id)
        masked_note, _ = mynumber.mask_text(entry.note, key)
        masked_assignee = mynumber.mask_text(entry.assignee, key)[0] if entry.assignee else None
        try:
            queries.append_triage(self._es, entry.model_copy(update={"note": masked_note,
                                                                     "assignee": masked_assignee}))
        except queries.TriageConflict as exc:
            raise refused(409, str(exc), "expected_seq") from exc
        return self._detail(tenant, found)

    # --- for the web page ----------------------------------------------------------------------------------------

    def authorise_page(self, caller: Caller, tenant: str, needed: Role, endpoint: str) -> None:
        """A page that shows no data yet (an empty form) is refused, and the refusal recorded, like an operation."""
        self._authorise(caller, tenant, needed, endpoint)

    def masked_for_page(self, tenant: str, text: str) -> str:
        """`text` with every personal number replaced by its token: all a page may echo back of what was typed.
        A raw number typed into the number field comes back as the token it was searched as."""
        masked, _ = mynumber.mask_text(text, self._settings.tenant_key(tenant))
        return masked


def _view(hit: dict[str, Any], state: TriageEntry | None) -> AlertView:
    return AlertView(alert=hit, status=state.status if state else AlertStatus.OPEN,
                     assignee=state.assignee if state else None, seq=state.seq if state else 0)
