"""`kansa search` / `kansa alerts` without a server: settings, dates, the hidden number prompt, and how the API's
answers become output and exit codes (requests answered by an httpx mock transport)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

from kansa_cli.main import app
from kansa_investigate import client_cli
from kansa_schemas import mynumber
from tests.conftest import free_port

NUMBER = mynumber.make_valid("98765432101")
runner = CliRunner()


def _kansa(*args: str, env: dict[str, str | None] | None = None, input: str | None = None) -> Result:
    base: dict[str, str | None] = {"KANSA_API_URL": "http://127.0.0.1:9", "KANSA_API_TOKEN": "kat_test",
                                   "KANSA_TENANT": "141003"}
    return runner.invoke(app, list(args), env={**base, **(env or {})}, input=input)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[httpx.Request], httpx.Response]],
                                                         list[httpx.Request]]:
    """Answer the CLI's requests with `handler`; returns the list the requests are recorded in."""
    real = httpx.Client

    def install(handler: Callable[[httpx.Request], httpx.Response]) -> list[httpx.Request]:
        seen: list[httpx.Request] = []

        def record(request: httpx.Request) -> httpx.Response:
            request.read()
            seen.append(request)
            return handler(request)

        monkeypatch.setattr(httpx, "Client", lambda **kw: real(transport=httpx.MockTransport(record), **kw))
        return seen

    return install


def _page(hits: list[dict[str, Any]], total: int, cursor: str | None = None) -> httpx.Response:
    return httpx.Response(200, json={"total": total, "hits": hits, "next_cursor": cursor})


def test_missing_token_tenant_and_bad_tenant_are_usage_errors() -> None:
    no_token = _kansa("search", "events", env={"KANSA_API_TOKEN": None})
    assert no_token.exit_code == 2 and "KANSA_API_TOKEN is not set" in no_token.stderr

    no_tenant = _kansa("alerts", "list", env={"KANSA_TENANT": None})
    assert no_tenant.exit_code == 2 and "give --tenant CODE or set KANSA_TENANT" in no_tenant.stderr

    bad_tenant = _kansa("alerts", "list", "--tenant", "14100")
    assert bad_tenant.exit_code == 2 and "6-digit municipality" in bad_tenant.stderr


def test_connection_refused_says_to_start_the_api() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = _kansa("alerts", "list", env={"KANSA_API_URL": url})
    assert result.exit_code == 1
    assert f"cannot reach the investigation API at {url}: start it with `kansa api serve`" in result.stderr


def test_dates_are_read_as_jst_and_bad_ones_are_refused_without_echo() -> None:
    assert client_cli._when("2026-10-01") == "2026-10-01T00:00:00+09:00"
    assert client_cli._when("2026-10-01T09:30") == "2026-10-01T09:30:00+09:00"
    assert client_cli._when("2026-10-01T00:00:00Z") == "2026-10-01T00:00:00+00:00"
    result = _kansa("search", "events", "--to", "2026-02-30")
    assert result.exit_code == 2
    assert "Invalid value for '--to'" in result.output and "YYYY-MM-DD" in result.output
    assert "2026-02-30" not in result.output


def test_number_goes_only_in_the_post_body_and_is_never_printed(served: Any) -> None:
    seen = served(lambda request: _page([], 0))
    prompted = _kansa("search", "events", "--number", "-", input=f"{NUMBER}\n")
    assert prompted.exit_code == 0, prompted.output
    assert "personal number (input hidden)" in prompted.stderr
    assert NUMBER not in prompted.output

    direct = _kansa("search", "counts", "--number", NUMBER)
    assert "shell history" in direct.stderr and NUMBER not in direct.output

    history = _kansa("search", "history", "--number", "-", "--format", "json", input=f"{NUMBER}\n")
    assert NUMBER not in history.output

    assert [(r.method, r.url.path) for r in seen] == [
        ("POST", "/v1/tenants/141003/events/search"), ("POST", "/v1/tenants/141003/events/counts"),
        ("POST", "/v1/tenants/141003/subjects/history")]
    for request in seen:
        assert NUMBER not in str(request.url)
        assert json.loads(request.content)["number"] == NUMBER
        assert request.headers["authorization"] == "Bearer kat_test"


def test_api_error_statuses_map_to_exit_codes(served: Any) -> None:
    answers = iter([
        httpx.Response(422, json={"error": {"path": "size", "message": "too many"}}),
        httpx.Response(500, text="Internal Server Error"),
        httpx.Response(404, json={"detail": "Not Found"}),
    ])
    served(lambda request: next(answers))
    usage = _kansa("search", "events")
    assert usage.exit_code == 2 and "kansa: size: too many (HTTP 422)" in usage.stderr
    server = _kansa("search", "events")
    assert server.exit_code == 1 and "Internal Server Error (HTTP 500)" in server.stderr
    missing = _kansa("alerts", "show", "al_x")
    assert missing.exit_code == 2 and "Not Found (HTTP 404)" in missing.stderr


def test_json_lines_follow_every_page(served: Any) -> None:
    pages = {None: _page([{"_id": "a"}, {"_id": "b"}], 3, "c1"), "c1": _page([{"_id": "c"}], 3)}
    seen = served(lambda request: pages[json.loads(request.content).get("cursor")])
    result = _kansa("search", "events", "--all", "--json", "--size", "2", "--actor", "u-1")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["_id"] for line in result.stdout.splitlines()] == ["a", "b", "c"]
    # Every page repeats the filters the cursor is bound to.
    assert [json.loads(r.content) for r in seen] == [{"actor": "u-1", "size": 2},
                                                     {"actor": "u-1", "size": 2, "cursor": "c1"}]


def test_pdf_history_needs_an_output_file() -> None:
    result = _kansa("search", "history", "--subject-ref", "mnt_x", "--format", "pdf")
    assert result.exit_code == 2 and "a PDF needs --out FILE" in result.output
