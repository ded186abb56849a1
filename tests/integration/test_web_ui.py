"""The officers' web page (/ui) over HTTP against the real Elasticsearch and Kafka: login, search, an event's detail,
alert triage, the per-resident history and its downloads, refusals as Japanese pages with their status."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest
from elasticsearch import Elasticsearch

from kansa_investigate.web import PAGE_SIZE
from kansa_schemas.indices import triage_index
from tests.conftest import consume
from tests.integration.conftest import ApiServer
from tests.integration.web_seed import NUMBER, Seeded, seed

pytestmark = pytest.mark.integration


def _client(api_server: ApiServer) -> httpx.Client:
    # A browser sends its own origin with every form post; the page refuses posts from anywhere else.
    return httpx.Client(base_url=api_server.base_url, headers={"Origin": api_server.base_url}, timeout=60)


def _login(client: httpx.Client, token: str, tenant: str) -> None:
    response = client.post("/ui/login", data={"token": token, "tenant": tenant})
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/ui/{tenant}/events"


@pytest.fixture
def seeded(es: Elasticsearch, tenant: str, api_server: ApiServer) -> Seeded:
    return seed(es, tenant, api_server.settings.tenant_key(tenant))


@pytest.fixture
def officer(api_server: ApiServer, seeded: Seeded) -> Iterator[httpx.Client]:
    with _client(api_server) as client:
        _login(client, api_server.token("officer", seeded.tenant, user="webofficer"), seeded.tenant)
        yield client


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-event-id="([^"]+)"', html)


def test_login_sets_a_strict_http_only_cookie_for_ui_only(api_server: ApiServer, tenant: str) -> None:
    token = api_server.token("viewer", tenant, user="webviewer")
    with _client(api_server) as client:
        page = client.get(f"/ui/login?tenant={tenant}")
        assert page.status_code == 200 and "API トークン" in page.text and f'value="{tenant}"' in page.text
        response = client.post("/ui/login", data={"token": token, "tenant": ""})  # one tenant: may be left blank
        assert response.status_code == 303 and response.headers["location"] == f"/ui/{tenant}/events"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"kansa_token={token};")
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/ui" in cookie
        page = client.get(f"/ui/{tenant}/events")
        assert page.status_code == 200 and "イベント検索" in page.text
        assert "webviewer（閲覧者）" in page.text
        assert 'name="number"' not in page.text  # the number field is for officers only
        assert page.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]

        logout = client.post("/ui/logout")
        assert logout.status_code == 303 and 'kansa_token=""' in logout.headers["set-cookie"]
        assert "Path=/ui" in logout.headers["set-cookie"]
        # Without the session a page sends the officer to the login form.
        again = client.get(f"/ui/{tenant}/events")
        assert again.status_code == 303 and again.headers["location"] == f"/ui/login?tenant={tenant}"


def test_login_refusals(api_server: ApiServer, tenant: str) -> None:
    with _client(api_server) as client:
        bad = client.post("/ui/login", data={"token": "kat_not-a-token", "tenant": tenant})
        assert bad.status_code == 401 and "トークンが正しくありません" in bad.text
        assert "set-cookie" not in bad.headers
        # Whatever is typed into the tenant field is shown again only when it is a tenant code.
        mine = api_server.token("viewer", tenant, "999995", user="twotenants")
        junk = client.post("/ui/login", data={"token": mine, "tenant": NUMBER})
        assert junk.status_code == 400 and NUMBER not in junk.text and "999995" in junk.text
        blank = client.post("/ui/login", data={"token": mine, "tenant": ""})
        assert blank.status_code == 400 and "団体コード（6桁の数字）を入力してください" in blank.text
        other = api_server.token("officer", "999998", user="elsewhere")
        wrong = client.post("/ui/login", data={"token": other, "tenant": tenant})
        assert wrong.status_code == 403 and f"団体 {tenant} には使えません" in wrong.text
        assert "set-cookie" not in wrong.headers
        # A form posted without a session: a Japanese page with the status, and a way to log in.
        unauthenticated = client.post(f"/ui/{tenant}/events", data={"actor": "staff01"})
        assert unauthenticated.status_code == 401 and "ログインが必要です" in unauthenticated.text
        assert f'href="/ui/login?tenant={tenant}"' in unauthenticated.text


def test_search_filters_pages_and_opens_an_event(officer: httpx.Client, seeded: Seeded) -> None:
    tenant = seeded.tenant
    everything = officer.post(f"/ui/{tenant}/events", data={})
    assert everything.status_code == 200
    assert _rows(everything.text) == seeded.event_ids  # oldest first
    assert '<strong id="total">6</strong>' in everything.text

    by_actor = officer.post(f"/ui/{tenant}/events", data={"actor": "staff01", "family": "data_use"})
    assert _rows(by_actor.text) == [e for n, e in enumerate(seeded.event_ids) if n % 3 == 1]
    assert '<option value="data_use" selected>' in by_actor.text  # the form keeps its filters

    linked = officer.get(f"/ui/{tenant}/events", params={"action": "mynumber.search"})
    assert _rows(linked.text) == [e for n, e in enumerate(seeded.event_ids) if n % 3 == 0]
    free_text = officer.post(f"/ui/{tenant}/events", data={"text": "窓口での照会 4"})
    assert _rows(free_text.text) == [seeded.event_ids[4]]

    # A raw number goes in the POST body only; the page answers with the token, never the number.
    by_number = officer.post(f"/ui/{tenant}/events", data={"number": NUMBER, "outcome": "success"})
    assert by_number.status_code == 200
    assert _rows(by_number.text) == [e for n, e in enumerate(seeded.event_ids) if n % 2]
    assert NUMBER not in by_number.text and seeded.subject_ref in by_number.text
    # A number typed now wins over the token an earlier number search left in the subject field.
    again = officer.post(f"/ui/{tenant}/events", data={"number": NUMBER, "subject_ref": "mnt_other0"})
    assert _rows(again.text) == _rows(by_number.text)
    in_url = officer.get(f"/ui/{tenant}/events", params={"number": NUMBER})
    assert in_url.status_code == 400 and NUMBER not in in_url.text

    detail = officer.get(f"/ui/{tenant}/events/{seeded.event_ids[1]}")
    assert detail.status_code == 200
    assert '<dd id="event-id">web-001</dd>' in detail.text
    for label in ("日時", "職員", "端末", "操作", "事務", "対象者トークン", "案件"):
        assert f"<dt>{label} " in detail.text
    assert "記録の閲覧（record.view）" in detail.text and "C-101" in detail.text
    missing = officer.get(f"/ui/{tenant}/events/no-such-event")
    assert missing.status_code == 404 and "見つかりません" in missing.text


def _next_form(html: str) -> dict[str, str]:
    """The hidden fields of the "次へ" form: what the browser posts for the next page."""
    assert 'id="next-form"' in html, "no next page"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html.split('id="next-form"')[1]))


def test_next_page_continues_without_gaps_or_repeats(es: Elasticsearch, tenant: str, api_server: ApiServer) -> None:
    seeded = seed(es, tenant, api_server.settings.tenant_key(tenant), events=2 * PAGE_SIZE + 3)
    with _client(api_server) as client:
        _login(client, api_server.token("officer", tenant), tenant)
        pages = [client.post(f"/ui/{tenant}/events", data={})]
        while 'id="next-form"' in pages[-1].text:
            pages.append(client.post(f"/ui/{tenant}/events", data=_next_form(pages[-1].text)))
        assert [p.status_code for p in pages] == [200, 200, 200]
        assert [r for p in pages for r in _rows(p.text)] == seeded.event_ids
        assert f"{2 * PAGE_SIZE + 1}〜{2 * PAGE_SIZE + 3} 件目" in pages[-1].text
        assert f'<strong id="total">{2 * PAGE_SIZE + 3}</strong>' in pages[-1].text

        # Paging a search by number: the next page asks by the token, so the number never lands in the page.
        first = client.post(f"/ui/{tenant}/events", data={"number": NUMBER})
        form = _next_form(first.text)
        assert "number" not in form and form["subject_ref"] == seeded.subject_ref
        second = client.post(f"/ui/{tenant}/events", data=form)
        assert second.status_code == 200 and NUMBER not in first.text + second.text
        assert _rows(first.text) + _rows(second.text) == [e for n, e in enumerate(seeded.event_ids) if n % 2]


def test_acknowledge_then_resolve_an_alert(officer: httpx.Client, seeded: Seeded, es: Elasticsearch) -> None:
    tenant = seeded.tenant
    queue = officer.get(f"/ui/{tenant}/alerts", params={"status": "open"})
    assert queue.status_code == 200
    assert f'<tr data-alert-id="{seeded.alert_id}" data-status="open">' in queue.text
    assert "案件のない個人番号の利用" in queue.text and "未対応" in queue.text

    back = f"/ui/{tenant}/alerts?status=open"
    ack = officer.post(f"/ui/{tenant}/alerts/{seeded.alert_id}/triage",
                       data={"action": "acknowledge", "expected_seq": "0", "back": back})
    assert ack.status_code == 303 and ack.headers["location"] == f"{back}&done=acknowledge"
    listed = officer.get(f"/ui/{tenant}/alerts")
    assert f'<tr data-alert-id="{seeded.alert_id}" data-status="acknowledged">' in listed.text
    assert "確認済み" in listed.text
    entries = es.search(index=triage_index(tenant), query={"term": {"alert_id": seeded.alert_id}})["hits"]["hits"]
    assert [(h["_source"]["action"], h["_source"]["by"], h["_source"]["status"]) for h in entries] == [
        ("acknowledge", "webofficer", "acknowledged")]

    # Two officers on one alert: the one who saw an older state is told to reload.
    stale = officer.post(f"/ui/{tenant}/alerts/{seeded.alert_id}/triage",
                         data={"action": "acknowledge", "expected_seq": "0"})
    assert stale.status_code == 409 and "アラートの状態が変わっています" in stale.text
    unknown_resolution = officer.post(f"/ui/{tenant}/alerts/{seeded.alert_id}/triage",
                                      data={"action": "resolve", "expected_seq": "1", "resolution": "maybe"})
    assert unknown_resolution.status_code == 422 and "判定" in unknown_resolution.text

    resolved = officer.post(f"/ui/{tenant}/alerts/{seeded.alert_id}/triage", data={
        "action": "resolve", "expected_seq": "1", "resolution": "false_positive", "incident": "",
        "note": "窓口の照会で案件の登録が遅れただけ", "back": "https://elsewhere.example/"})
    assert resolved.status_code == 303
    assert resolved.headers["location"] == f"/ui/{tenant}/alerts/{seeded.alert_id}?done=resolve"  # not elsewhere
    detail = officer.get(resolved.headers["location"])
    assert detail.status_code == 200 and "アラートを解決済みにしました" in detail.text
    assert 'id="alert-status">解決済み<' in detail.text and "誤検知" in detail.text
    assert "窓口の照会で案件の登録が遅れただけ" in detail.text
    for event_id in seeded.event_ids[:2]:  # the events behind it
        assert f'<tr data-event-id="{event_id}">' in detail.text


def test_history_on_screen_and_as_csv_and_pdf(officer: httpx.Client, seeded: Seeded) -> None:
    tenant = seeded.tenant
    shown = officer.post(f"/ui/{tenant}/history", data={"number": NUMBER, "format": "html"})
    assert shown.status_code == 200 and NUMBER not in shown.text
    assert f'<strong id="history-total">{len(seeded.event_ids) // 2}</strong>' in shown.text
    assert "該当する案件なし" in shown.text or "C-10" in shown.text
    csv = officer.post(f"/ui/{tenant}/history", data={"subject_ref": seeded.subject_ref, "format": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.content.startswith("\ufeff日時".encode())
    pdf = officer.post(f"/ui/{tenant}/history", data={"subject_ref": seeded.subject_ref, "format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_wrong_tenant_and_low_role_are_refused_and_recorded(api_server: ApiServer, seeded: Seeded) -> None:
    tenant = seeded.tenant
    elsewhere = "999997" if tenant != "999997" else "999996"
    # The tenant is served here (a token is bound to it), so refusals are recorded in it.
    viewer = api_server.token("viewer", tenant, user="webviewer2")
    with _client(api_server) as client:
        _login(client, api_server.token("officer", elsewhere, user="strayofficer"), elsewhere)
        for path in (f"/ui/{tenant}/alerts", f"/ui/{tenant}/events/{seeded.event_ids[0]}", f"/ui/{tenant}/events"):
            refused = client.get(path)
            assert refused.status_code == 403, path
            assert "この操作は許可されていません" in refused.text and f"tenant {tenant}" in refused.text
        search = client.post(f"/ui/{tenant}/events", data={"actor": "staff01"})
        assert search.status_code == 403 and "web-" not in search.text

    with _client(api_server) as client:
        _login(client, viewer, tenant)
        triage = client.post(f"/ui/{tenant}/alerts/{seeded.alert_id}/triage",
                             data={"action": "acknowledge", "expected_seq": "0"})
        assert triage.status_code == 403 and "officer" in triage.text
        by_number = client.post(f"/ui/{tenant}/events", data={"number": NUMBER})
        assert by_number.status_code == 403 and NUMBER not in by_number.text
        history = client.get(f"/ui/{tenant}/history")
        assert history.status_code == 403 and "officer" in history.text
        alerts = client.get(f"/ui/{tenant}/alerts")
        assert alerts.status_code == 200 and "確認</button>" not in alerts.text  # no triage buttons for viewers

    records = [json.loads(r.value) for r in consume(api_server.settings.kafka.bootstrap, api_server.audit_topic,
                                                   expected=10_000, timeout=5)]
    denied = {(r["actor"]["id"], r["endpoint"]) for r in records
              if r["tenant"] == tenant and r["action"] == "audit.denied"}
    assert ("strayofficer", "ui GET /v1/tenants/{tenant}/alerts") in denied
    assert ("strayofficer", "ui POST /v1/tenants/{tenant}/events/search") in denied
    assert ("webviewer2", "ui POST /v1/tenants/{tenant}/alerts/{alert_id}/triage") in denied
    assert ("strayofficer", "ui GET /ui/{tenant}/events") in denied
    assert ("webviewer2", "ui GET /ui/{tenant}/history") in denied
    assert all(NUMBER not in json.dumps(r) for r in records)


def test_cross_site_posts_are_refused(api_server: ApiServer, seeded: Seeded) -> None:
    token = api_server.token("officer", seeded.tenant)
    with httpx.Client(base_url=api_server.base_url, timeout=30) as client:
        client.cookies.set("kansa_token", token, path="/ui")
        url = f"/ui/{seeded.tenant}/alerts/{seeded.alert_id}/triage"
        data = {"action": "acknowledge", "expected_seq": "0"}
        for headers in ({}, {"Origin": "https://elsewhere.example"}, {"Origin": "null"},
                        {"Referer": "https://elsewhere.example/ui/"}):
            refused = client.post(url, data=data, headers=headers)
            assert refused.status_code == 403, headers
            assert "このサイトのページから送信してください" in refused.text
        same_site = client.post(url, data=data, headers={"Referer": f"{api_server.base_url}/ui/x"})
        assert same_site.status_code == 303, same_site.text
