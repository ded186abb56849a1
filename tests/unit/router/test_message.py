"""Messages: Japanese e-mail, signed webhook body, Slack-compatible chat; never a personal number."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from kansa_detector.router.config import RouteConfigError, TenantRoutes, load_routes
from kansa_detector.router.message import (
    PersonalNumberInMessage,
    chat_body,
    digest,
    email_message,
    signature,
    single,
    webhook_body,
)
from kansa_schemas.alert import Severity
from kansa_schemas.mynumber import make_valid
from tests.unit.router.test_dispatch import TENANT, alert

BASE = "https://kansa.example.lg.jp"


def route(channel: str, **extra: object) -> TenantRoutes:
    fields: dict[str, object] = {"name": "r", "channel": channel, **extra}
    if channel == "email":
        fields.setdefault("to", ["security@city.example.lg.jp"])
    else:
        fields.setdefault("url", "http://127.0.0.1:1/hook")
    return TenantRoutes.model_validate({"routes": [fields]})


def test_email_is_japanese_with_title_reference_actor_time_action_and_link() -> None:
    note = single(route("email").routes[0], alert(1, Severity.CRITICAL))
    message = email_message(note, BASE, "kansa@city.example.lg.jp")
    assert message["Subject"] == "[kansa][重大] DR-32 上長承認のない書き出し（141003）"
    body = message.get_content()
    for expected in ("評価書の該当箇所: 000 L341", "職員: s001", "発生日時: 2026-10-05 10:00:00 JST",
                     "推奨対応: 追跡する", f"{BASE}/ui/141003/alerts/al_0001"):
        assert expected in body
    assert message["X-Kansa-Idempotency-Key"] == "al_0001"


def test_digest_email_counts_by_severity() -> None:
    alerts = [alert(1, Severity.MEDIUM), alert(2, Severity.LOW), alert(3, Severity.MEDIUM)]
    message = email_message(digest(route("email").routes[0], alerts), BASE, "kansa@x.example")
    assert message["Subject"] == "[kansa] 141003 アラートまとめ 3 件（中 2 件, 低 1 件）"


def test_webhook_body_is_signed_and_carries_the_idempotency_key() -> None:
    body = webhook_body(single(route("webhook", secret_env="K").routes[0], alert(1)), BASE)
    doc = json.loads(body)
    assert doc["idempotency_key"] == "al_0001" and doc["alerts"][0]["link"] == f"{BASE}/ui/141003/alerts/al_0001"
    expected = "sha256=" + hmac.new(b"secret", body, hashlib.sha256).hexdigest()
    assert signature(b"secret", body) == expected


def test_chat_payload_is_slack_compatible() -> None:
    doc = json.loads(chat_body(single(route("chat").routes[0], alert(1)), BASE))
    assert doc["text"].startswith("kansa: [高] DR-32")
    assert doc["blocks"][0]["type"] == "section"


def test_a_personal_number_is_never_sent() -> None:
    leaked = alert(1).model_copy(update={"actor_id": make_valid("12345678901")})
    with pytest.raises(PersonalNumberInMessage):
        email_message(single(route("email").routes[0], leaked), BASE, "kansa@x.example")
    with pytest.raises(PersonalNumberInMessage):
        webhook_body(single(route("webhook", secret_env="K").routes[0], leaked), BASE)


def test_routes_file_errors_name_the_file_and_the_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tenants = tmp_path
    (tenants / TENANT).mkdir()
    path = tenants / TENANT / "routes.yaml"
    path.write_text("routes:\n  - {name: soc, channel: webhook, url: 'http://127.0.0.1:1/h', secret_env: SOC_KEY}\n")
    monkeypatch.delenv("SOC_KEY", raising=False)
    with pytest.raises(RouteConfigError, match="SOC_KEY"):
        load_routes(tenants)
    monkeypatch.setenv("SOC_KEY", "k")
    assert load_routes(tenants)[TENANT].routes[0].name == "soc"
    path.write_text("routes:\n  - {name: mail, channel: email}\n")
    with pytest.raises(RouteConfigError, match=r"(?s)routes.yaml.*routes\.0.*needs `to`"):
        load_routes(tenants)
    path.write_text("routes:\n  - {name: x, channel: chat, url: 'http://a', digest: {severities: [critical]}}\n")
    with pytest.raises(RouteConfigError, match="never held back"):
        load_routes(tenants)


def test_the_documented_example_routes_file_loads() -> None:
    import yaml

    example = Path(__file__).resolve().parents[3] / "deploy" / "compose" / "routes.example.yaml"
    routes = TenantRoutes.model_validate(yaml.safe_load(example.read_text(encoding="utf-8"))).routes
    assert [r.channel.value for r in routes] == ["webhook", "email", "chat"]
