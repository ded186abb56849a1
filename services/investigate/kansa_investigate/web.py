"""The officers' web page under /ui: plain server-rendered HTML over the same `Investigation` as the API, so every
page is role-checked and audited like an API call (with the channel "ui" in the audit event's endpoint).

The session is the API token pasted at /ui/login, kept in an HttpOnly, SameSite=Strict cookie scoped to /ui. Every
POST is accepted only from this site's own pages (its Origin, else its Referer, must name this host). A personal
number travels only in a POST body and is never echoed back: the page shows the token it was searched as.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import jinja2
from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError

from kansa_investigate.app import SESSION_COOKIE, CallerDep, TenantPath, dotted, first_problem, history_response
from kansa_investigate.audit import AuditUnavailable
from kansa_investigate.history_render import ACTION_LABELS, BASIS_LABELS
from kansa_investigate.models import FAMILIES, AlertFilters, HistoryRequest, SearchRequest
from kansa_investigate.service import Caller, Investigation, Refused
from kansa_investigate.tokens import Role
from kansa_schemas import mynumber
from kansa_schemas.alert import Severity
from kansa_schemas.envelope import Outcome
from kansa_schemas.events import ACTION_FAMILIES
from kansa_schemas.indices import JST
from kansa_schemas.triage import AlertStatus, IncidentClass, Resolution, TriageAction, TriageRequest

PAGE_SIZE = 50
_MAX_FORM_BYTES = 64 * 1024
_STATIC = Path(__file__).parent / "static"
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates" / "ui"),
                          autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)

# --- Japanese labels -----------------------------------------------------------------------------------------------

FAMILY_LABELS = {
    "authentication": "認証", "identity": "利用者ID管理", "hr": "人事異動", "data_use": "データ利用",
    "cases": "案件", "export_media": "外部媒体", "mail_transfer": "メール・データ送付", "infonet": "情報連携",
    "contractors": "委託", "retention": "保存・廃棄", "audit": "監査（調査操作）",
}
OUTCOME_LABELS = {Outcome.SUCCESS.value: "成功", Outcome.DENIED.value: "拒否", Outcome.ERROR.value: "エラー"}
SEVERITY_LABELS = {Severity.CRITICAL.value: "緊急", Severity.HIGH.value: "高", Severity.MEDIUM.value: "中",
                   Severity.LOW.value: "低"}
STATUS_LABELS = {AlertStatus.OPEN.value: "未対応", AlertStatus.ACKNOWLEDGED.value: "確認済み",
                 AlertStatus.RESOLVED.value: "解決済み"}
RESOLUTION_LABELS = {Resolution.TRUE_POSITIVE.value: "真陽性", Resolution.FALSE_POSITIVE.value: "誤検知",
                     Resolution.BENIGN.value: "問題なし"}
INCIDENT_LABELS = {IncidentClass.NONE.value: "事案に該当しない", IncidentClass.INCIDENT.value: "事案",
                   IncidentClass.SERIOUS.value: "重大事態（個人情報保護委員会へ報告）"}
TRIAGE_LABELS = {TriageAction.ACKNOWLEDGE.value: "確認", TriageAction.RESOLVE.value: "解決",
                 TriageAction.REOPEN.value: "再開", TriageAction.ASSIGN.value: "担当者の設定",
                 TriageAction.NOTE.value: "メモ"}
DONE_MESSAGES = {TriageAction.ACKNOWLEDGE.value: "アラートを確認済みにしました。",
                 TriageAction.RESOLVE.value: "アラートを解決済みにしました。",
                 TriageAction.REOPEN.value: "アラートを未対応に戻しました。",
                 TriageAction.ASSIGN.value: "担当者を設定しました。", TriageAction.NOTE.value: "メモを記録しました。"}
ROLE_LABELS = {Role.VIEWER.value: "閲覧者", Role.OFFICER.value: "担当官", Role.ADMIN.value: "管理者"}
FIELD_LABELS = {
    "@timestamp": "日時", "event.id": "イベントID", "event.action": "操作", "event.category": "種別",
    "event.outcome": "結果", "event.ingested": "取込日時", "user.id": "職員", "user.type": "職員の区分",
    "user.org_unit": "所属", "user.contractor_org": "委託先", "host.id": "端末", "network.zone": "ネットワーク",
    "source_system": "業務システム", "session.id": "セッション", "tenant": "団体コード", "business_code": "事務",
    "subject_ref": "対象者トークン", "schema_version": "スキーマ版", "kansa.case_id": "案件",
    "kansa.reason": "理由", "kansa.purpose": "目的", "kansa.record_count": "件数", "kansa.file_id": "ファイル",
    "kansa.device_id": "媒体", "kansa.request_id": "申請", "kansa.approver_id": "承認者",
    "kansa.endpoint": "操作した窓口", "kansa.query": "検索条件", "kansa.role": "権限",
    "kansa.result_count": "結果件数", "kansa.http_status": "応答", "kansa.target_ref": "対象",
    "kansa.export_format": "出力形式", "kansa.contains_mynumber": "個人番号を含む", "kansa.record_type": "記録の種類",
    "kansa.query_type": "検索の種類", "kansa.format": "形式", "kansa.encrypted": "暗号化",
    "kansa.device_registered": "登録済み媒体",
}
# Form field -> label, for messages that name the field (validation errors never echo the value typed).
FORM_LABELS = {
    "actor": "職員", "subject_ref": "対象者トークン", "number": "個人番号", "terminal": "端末", "family": "種別",
    "action": "操作", "business": "事務", "case": "案件", "outcome": "結果", "from": "期間（開始）",
    "to": "期間（終了）", "text": "フリーテキスト", "cursor": "ページ", "rule": "ルール", "severity": "重大度",
    "status": "状態", "note": "メモ", "assignee": "担当者", "resolution": "判定", "incident": "事案の区分",
    "expected_seq": "対応の版", "size": "件数", "tenant": "団体コード", "alert_id": "アラートID",
    "event_id": "イベントID",
}
STATUS_TITLES = {
    400: "要求の内容に誤りがあります", 401: "ログインが必要です", 403: "この操作は許可されていません",
    404: "見つかりません", 409: "アラートの状態が変わっています", 410: "検索の有効期限が切れました",
    413: "件数が多すぎます", 422: "入力内容に誤りがあります", 500: "表示できませんでした",
    503: "監査記録を残せないため処理を中止しました",
}
EVENT_FILTERS = ("actor", "subject_ref", "terminal", "family", "action", "business", "case", "outcome", "from",
                 "to", "text")
ALERT_FILTERS = ("rule", "severity", "status", "actor")


def _jst(value: Any, seconds: bool = True) -> str:
    """An ISO string or datetime as JST wall time."""
    if value is None or value == "":
        return ""
    at = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return at.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def _fields(document: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str, str]]:
    """Every leaf of a document as (dotted name, Japanese label, shown value), the labelled ones first."""
    rows: list[tuple[str, str, str]] = []
    for key, value in document.items():
        if key == "_id" or value is None or value == {} or value == []:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            rows += _fields(value, f"{name}.")
        elif isinstance(value, bool):
            rows.append((name, FIELD_LABELS.get(name, ""), "はい" if value else "いいえ"))
        elif isinstance(value, list | tuple):
            rows.append((name, FIELD_LABELS.get(name, ""), ", ".join(str(v) for v in value)))
        elif name == "@timestamp" or name.endswith(("ingested", "_at")):
            rows.append((name, FIELD_LABELS.get(name, ""), f"{_jst(value)}（{value}）"))
        else:
            rows.append((name, FIELD_LABELS.get(name, ""), str(value)))
    if not prefix:
        order = list(FIELD_LABELS)
        rows.sort(key=lambda r: (order.index(r[0]) if r[0] in order else len(order), r[0]))
    return rows


_ENV.filters["jst"] = _jst
_ENV.filters["dotted"] = dotted
_ENV.filters["fields"] = _fields
_ENV.filters["q"] = lambda value: quote(str(value), safe="")
_ENV.globals.update(
    FAMILY_LABELS=FAMILY_LABELS, OUTCOME_LABELS=OUTCOME_LABELS, SEVERITY_LABELS=SEVERITY_LABELS,
    STATUS_LABELS=STATUS_LABELS, RESOLUTION_LABELS=RESOLUTION_LABELS, INCIDENT_LABELS=INCIDENT_LABELS,
    TRIAGE_LABELS=TRIAGE_LABELS, ROLE_LABELS=ROLE_LABELS, ACTION_LABELS=ACTION_LABELS, BASIS_LABELS=BASIS_LABELS,
    FAMILIES=FAMILIES, ACTIONS=sorted(ACTION_FAMILIES), STATUS_TITLES=STATUS_TITLES,
)


# --- responses -----------------------------------------------------------------------------------------------------

def _render(template: str, http_status: int = 200, **context: Any) -> HTMLResponse:
    html = _ENV.get_template(template).render(**context)
    if mynumber.contains_personal_number(html):
        # A safety net: nothing shown should ever hold one (ingest masks, and input is echoed only as its token).
        html = _ENV.get_template("error.html.j2").render(
            status=500, message="表示する内容に個人番号が含まれていたため、表示を中止しました", path="$",
            tenant=context.get("tenant"))
        http_status = 500
    return HTMLResponse(html, status_code=http_status)


def _page(template: str, who: Caller, tenant: str, section: str, **context: Any) -> HTMLResponse:
    return _render(template, who=who, tenant=tenant, section=section,
                   officer=who.token.role.allows(Role.OFFICER), **context)


def _path_tenant(request: Request) -> str | None:
    tenant = str(request.path_params.get("tenant", ""))
    return tenant if len(tenant) == 6 and tenant.isdigit() else None


def _error_page(request: Request, status: int, message: str, path: str) -> Response:
    if status == 401 and request.method == "GET":
        tenant = _path_tenant(request)
        return RedirectResponse("/ui/login" + (f"?tenant={tenant}" if tenant else ""), status_code=303)
    return _render("error.html.j2", status, status=status, message=mynumber.redact_number_like(message), path=path,
                   tenant=_path_tenant(request))


def _validation_message(exc: RequestValidationError | ValidationError) -> tuple[str, str]:
    """The first problem, naming the field in Japanese and never echoing the value typed (it may be a number)."""
    _, location, message = first_problem(exc)
    message = message.removeprefix("Value error, ")
    label = FORM_LABELS.get(location.removesuffix("_"))
    return (f"{label}: {message}" if label else message), location


_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Same-origin only: the Referer the POST check falls back on is sent to this site and to no other.
    "Referrer-Policy": "same-origin",
}


class _PageRoute(APIRoute):
    """Refusals as Japanese pages with their status (the API's own handlers answer JSON); security headers and
    no caching on every answer, since pages hold personal data."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                response = await handler(request)
            except Refused as exc:
                response = _error_page(request, exc.status, exc.message, exc.path)
            except AuditUnavailable as exc:
                response = _error_page(request, 503, str(exc), "$")
            except (RequestValidationError, ValidationError) as exc:
                response = _error_page(request, 422, *_validation_message(exc))
            response.headers.update(_SECURITY_HEADERS)
            response.headers.setdefault("Cache-Control", "no-store")
            return response

        return page


router = APIRouter(prefix="/ui", include_in_schema=False, route_class=_PageRoute)


# --- forms ---------------------------------------------------------------------------------------------------------

def _same_site(request: Request) -> None:
    """Cross-site form posts are refused: the Origin (else the Referer) must be this very host."""
    host = request.headers.get("host", "")
    origin = request.headers.get("origin")
    sender = origin if origin is not None else request.headers.get("referer", "")
    if not host or not sender or sender == "null" or urlsplit(sender).netloc != host:
        raise Refused(403, "フォームはこのサイトのページから送信してください（Origin/Referer が一致しません）",
                      "origin")


async def _form(request: Request) -> dict[str, str]:
    _same_site(request)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > _MAX_FORM_BYTES:
            raise Refused(413, f"フォームが大きすぎます（{_MAX_FORM_BYTES} バイトまで）", "$")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if body and kind != "application/x-www-form-urlencoded":
        raise Refused(400, "フォームの送信形式が正しくありません（application/x-www-form-urlencoded）",
                      "content-type")
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError as exc:
        raise Refused(400, "フォームの文字コードが UTF-8 ではありません", "$") from exc


FormDep = Annotated[dict[str, str], Depends(_form)]


def _investigation(request: Request) -> Investigation:
    investigation: Investigation = request.app.state.investigation
    return investigation


def _local_time(name: str, value: str) -> dt.datetime | None:
    """A datetime-local field (JST wall time, as the browser sends it) as an aware datetime."""
    if not value.strip():
        return None
    try:
        at = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise Refused(422, f"{FORM_LABELS[name]}: 日時は 2026-10-01T09:00 の形で入力してください", name) from exc
    return at if at.tzinfo else at.replace(tzinfo=JST)


def _local_field(at: dt.datetime | None) -> str:
    return at.astimezone(JST).strftime("%Y-%m-%dT%H:%M") if at else ""


def _given(values: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str]:
    return {name: values[name].strip() for name in names if values.get(name, "").strip()}


def _echoable(values: Mapping[str, str]) -> dict[str, str]:
    """What a form may show again of values that came in a URL: anything holding a personal number is left out."""
    return {name: value for name, value in values.items() if not mynumber.contains_personal_number(value)}


def _tenant_code(value: str) -> str:
    return value if len(value) == 6 and value.isascii() and value.isdigit() else ""


# --- login ---------------------------------------------------------------------------------------------------------

@router.get("")
@router.get("/")
def ui_root() -> Response:
    return RedirectResponse("/ui/login", status_code=303)


@router.get("/static/kansa.css")
def stylesheet() -> Response:
    return Response((_STATIC / "kansa.css").read_bytes(), media_type="text/css; charset=utf-8",
                    headers={"Cache-Control": "max-age=3600"})


@router.get("/login")
def login_form(tenant: str = "") -> Response:
    return _render("login.html.j2", tenant=None, chosen=_tenant_code(tenant), error=None)


@router.post("/login")
def login(request: Request, form: FormDep) -> Response:
    token = form.get("token", "").strip()
    chosen = form.get("tenant", "").strip()
    record = request.app.state.tokens.verify(token) if token else None
    if record is None:
        refused = _investigation(request).refuse_unauthenticated(chosen, "POST /ui/login")
        return _render("login.html.j2", 401, tenant=None, chosen=_tenant_code(chosen),
                       error=f"トークンが正しくありません。管理者に発行を依頼してください（{refused.message}）")
    if not chosen and len(record.tenants) == 1:
        chosen = record.tenants[0]
    if chosen not in record.tenants:
        # Only a convenience: every page checks the tenant again through Investigation, which records refusals.
        # What was typed is echoed only when it is a tenant code (it could be anything, a personal number too).
        problem = (f"このトークンは団体 {chosen} には使えません。" if _tenant_code(chosen) else
                   "団体コード（6桁の数字）を入力してください。")
        return _render("login.html.j2", 403 if _tenant_code(chosen) else 400, tenant=None,
                       chosen=_tenant_code(chosen),
                       error=f"{problem}このトークンで使える団体: {', '.join(record.tenants)}")
    response = RedirectResponse(f"/ui/{chosen}/events", status_code=303)
    response.set_cookie(SESSION_COOKIE, token, path="/ui", httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return response


def _logout() -> Response:
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/ui", httponly=True, samesite="strict")
    return response


@router.get("/logout")
def logout_get() -> Response:
    return _logout()


@router.post("/logout")
def logout_post(form: FormDep) -> Response:
    return _logout()


@router.get("/{tenant}")
def tenant_root(tenant: TenantPath) -> Response:
    return RedirectResponse(f"/ui/{tenant}/events", status_code=303)


# --- events --------------------------------------------------------------------------------------------------------

def _search_page(request: Request, who: Caller, tenant: str, values: Mapping[str, str]) -> HTMLResponse:
    investigation = _investigation(request)
    given = _given(values, (*EVENT_FILTERS, "number"))
    number = given.pop("number", None)
    if number:
        # The number field is never filled in by the page, so a number in it was typed now: it replaces the token
        # a previous number search left in the subject field.
        given.pop("subject_ref", None)
    filters: dict[str, Any] = {k: v for k, v in given.items() if k not in ("from", "to")}
    filters["from_"] = _local_time("from", given.get("from", ""))
    filters["to"] = _local_time("to", given.get("to", ""))
    cursor = values.get("cursor") or None
    offset = int(values["offset"]) if values.get("offset", "").isdigit() else 0
    request_model = SearchRequest(**filters, number=number, size=PAGE_SIZE, cursor=cursor)
    page = investigation.search(who, tenant, request_model)
    # What the form shows again, and what "次へ" sends: every value masked; a number becomes its token, so the
    # next page runs the very same query (the cursor is bound to it) without the number ever reaching the page.
    shown = {name: investigation.masked_for_page(tenant, value) for name, value in given.items()}
    if request_model.from_:
        shown["from"] = _local_field(request_model.from_)
    if request_model.to:
        shown["to"] = _local_field(request_model.to)
    number_token = investigation.masked_for_page(tenant, request_model.number) if request_model.number else None
    if number_token:
        shown["subject_ref"] = number_token
    return _page("events.html.j2", who, tenant, "events", filters=shown, page=page, searched=True, offset=offset,
                 number_token=number_token)


@router.get("/{tenant}/events")
def events(request: Request, tenant: TenantPath, who: CallerDep) -> Response:
    """The search form; with filters in the query string (links from other pages), their first page of results."""
    values = dict(request.query_params)
    if "number" in values:
        raise Refused(400, "個人番号は URL に含めないでください。検索フォームの「個人番号」欄から送信してください",
                      "number")
    if not _given(values, EVENT_FILTERS):
        _investigation(request).authorise_page(who, tenant, Role.VIEWER, "GET /ui/{tenant}/events")
        return _page("events.html.j2", who, tenant, "events", filters={}, page=None, searched=False, offset=0,
                     number_token=None)
    return _search_page(request, who, tenant, {k: v for k, v in values.items() if k in EVENT_FILTERS})


@router.post("/{tenant}/events")
def search_events(request: Request, tenant: TenantPath, form: FormDep, who: CallerDep) -> Response:
    return _search_page(request, who, tenant, form)


@router.get("/{tenant}/events/{event_id}")
def event_detail(request: Request, tenant: TenantPath, event_id: str, who: CallerDep) -> Response:
    found = _investigation(request).event(who, tenant, event_id)
    return _page("event.html.j2", who, tenant, "events", event=found, event_id=event_id)


# --- alerts --------------------------------------------------------------------------------------------------------

def _done(request: Request) -> str | None:
    return DONE_MESSAGES.get(request.query_params.get("done", ""))


def _here(request: Request) -> str:
    """This page's address without the one-off `done` notice, for triage forms to come back to."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "done"]
    return request.url.path + (f"?{urlencode(query)}" if query else "")


@router.get("/{tenant}/alerts")
def alerts(request: Request, tenant: TenantPath, who: CallerDep) -> Response:
    values = request.query_params
    given = _given(values, ALERT_FILTERS)
    offset = int(values["offset"]) if values.get("offset", "").isdigit() else 0
    page = _investigation(request).alerts(who, tenant, AlertFilters(
        **given, size=PAGE_SIZE, cursor=values.get("cursor") or None))
    next_link = None
    if page.next_cursor:
        next_link = f"/ui/{tenant}/alerts?" + urlencode(
            {**given, "cursor": page.next_cursor, "offset": offset + len(page.alerts)})
    return _page("alerts.html.j2", who, tenant, "alerts", filters=_echoable(given), page=page, offset=offset,
                 next_link=next_link, here=_here(request), done=_done(request))


@router.get("/{tenant}/alerts/{alert_id}")
def alert_detail(request: Request, tenant: TenantPath, alert_id: str, who: CallerDep) -> Response:
    detail = _investigation(request).alert(who, tenant, alert_id)
    return _page("alert.html.j2", who, tenant, "alerts", a=detail, here=_here(request), done=_done(request))


def _back(tenant: str, alert_id: str, wanted: str, action: str) -> str:
    """Where a triage form returns to: the page it was on when that is one of this tenant's alert pages."""
    prefix = f"/ui/{tenant}/alerts"
    if not (wanted == prefix or wanted.startswith((f"{prefix}?", f"{prefix}/"))) or "\\" in wanted:
        wanted = f"{prefix}/{quote(alert_id, safe='')}"
    return f"{wanted}{'&' if '?' in wanted else '?'}done={action}"


@router.post("/{tenant}/alerts/{alert_id}/triage")
def triage(request: Request, tenant: TenantPath, alert_id: str, form: FormDep, who: CallerDep) -> Response:
    fields = _given(form, ("action", "note", "assignee", "resolution", "incident", "expected_seq"))
    step = TriageRequest(**fields)  # pydantic parses the form's strings
    _investigation(request).triage(who, tenant, alert_id, step)
    return RedirectResponse(_back(tenant, alert_id, form.get("back", ""), step.action.value), status_code=303)


# --- per-resident history ------------------------------------------------------------------------------------------

def _history_request(form: Mapping[str, str]) -> HistoryRequest:
    given = _given(form, ("number", "subject_ref"))
    if "number" in given:  # typed now; replaces the token the previous answer left in the form (see _search_page)
        given.pop("subject_ref", None)
    return HistoryRequest(**given, from_=_local_time("from", form.get("from", "")),
                          to=_local_time("to", form.get("to", "")))


@router.get("/{tenant}/history")
def history_form(request: Request, tenant: TenantPath, who: CallerDep) -> Response:
    """The form only; `subject_ref` (a token, never a number) may be filled in from a link."""
    if "number" in request.query_params:
        raise Refused(400, "個人番号は URL に含めないでください。フォームの「個人番号」欄から送信してください",
                      "number")
    _investigation(request).authorise_page(who, tenant, Role.OFFICER, "GET /ui/{tenant}/history")
    prefill = _echoable(_given(request.query_params, ("subject_ref", "from", "to")))
    return _page("history.html.j2", who, tenant, "history", filters=prefill, history=None)


@router.post("/{tenant}/history")
def history(request: Request, tenant: TenantPath, form: FormDep, who: CallerDep) -> Response:
    wanted = form.get("format", "html")
    if wanted not in ("html", "csv", "pdf"):
        raise Refused(422, "形式は画面・CSV・PDF のいずれかです", "format")
    found = _investigation(request).history(who, tenant, _history_request(form), wanted)
    if wanted != "html":
        answer = history_response(found, wanted)
        assert isinstance(answer, Response)
        return answer
    # The downloads ask again by token: the number typed is not written into the page.
    shown = {"subject_ref": found.subject_ref, "from": _local_field(found.period_from),
             "to": _local_field(found.period_to)}
    return _page("history.html.j2", who, tenant, "history", filters=shown, history=found)
