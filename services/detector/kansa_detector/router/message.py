"""What a receiver gets: the same facts in each channel's shape. Personal numbers never: ingest tokenised them,
and a rendered message that still holds one is refused rather than sent."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from kansa_detector.router.config import Route
from kansa_schemas.alert import Alert, Severity
from kansa_schemas.mynumber import contains_personal_number

JST = dt.timezone(dt.timedelta(hours=9), "JST")
SEVERITY_JA = {Severity.CRITICAL: "重大", Severity.HIGH: "高", Severity.MEDIUM: "中", Severity.LOW: "低"}
SIGNATURE_HEADER = "X-Kansa-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class PersonalNumberInMessage(RuntimeError):
    """A rendered message holds a valid 12-digit number: it must not leave the process."""


@dataclass(frozen=True)
class Notification:
    """One message for one route: a single alert, or a digest of several."""

    route: Route
    alerts: tuple[Alert, ...]
    idempotency_key: str

    @property
    def is_digest(self) -> bool:
        return len(self.alerts) > 1 or self.idempotency_key.startswith("dg_")


def single(route: Route, alert: Alert) -> Notification:
    return Notification(route, (alert,), alert.alert_id)


def digest(route: Route, alerts: Sequence[Alert]) -> Notification:
    """The key is derived from the alert ids, so a retried digest keeps its key."""
    ids = sorted(a.alert_id for a in alerts)
    key = "dg_" + hashlib.sha256(f"{route.name}|{'|'.join(ids)}".encode()).hexdigest()[:40]
    return Notification(route, tuple(sorted(alerts, key=lambda a: (a.occurred_at, a.alert_id))), key)


def _when(alert: Alert) -> str:
    return alert.occurred_at.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S JST")


def _link(base_url: str, alert: Alert) -> str:
    """The alert's page in the officers' web page (the investigation API's /ui), where it is triaged."""
    return f"{base_url.rstrip('/')}/ui/{alert.tenant}/alerts/{alert.alert_id}"


def _guard(text: str) -> str:
    if contains_personal_number(text):
        raise PersonalNumberInMessage("rendered notification contains a personal number; refusing to send it")
    return text


def _lines_ja(alert: Alert, base_url: str) -> list[str]:
    return [
        f"ルール: {alert.rule_id} {alert.title.ja}",
        f"重要度: {SEVERITY_JA[alert.severity]}",
        f"評価書の該当箇所: {'、'.join(alert.assessment_refs) or '—'}",
        f"職員: {alert.actor_id}",
        f"発生日時: {_when(alert)}",
        f"団体: {alert.tenant}",
        f"推奨対応: {alert.action.ja}",
        f"アラート: {_link(base_url, alert)}",
    ]


def webhook_body(note: Notification, base_url: str) -> bytes:
    payload = {
        "idempotency_key": note.idempotency_key,
        "route": note.route.name,
        "digest": note.is_digest,
        "count": len(note.alerts),
        "alerts": [{**a.model_dump(mode="json"), "link": _link(base_url, a)} for a in note.alerts],
    }
    return _guard(json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))).encode()


def signature(secret: bytes, body: bytes) -> str:
    """`sha256=<hex>` over the exact body bytes, as GitHub and Stripe style receivers verify."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def chat_body(note: Notification, base_url: str) -> bytes:
    if note.is_digest:
        head = f"kansa: {len(note.alerts)} 件のアラート（{note.route.name} のまとめ通知）"
        lines = [f"• [{SEVERITY_JA[a.severity]}] {a.rule_id} {a.title.ja} / {a.actor_id} / {_when(a)} "
                 f"<{_link(base_url, a)}|詳細>" for a in note.alerts]
    else:
        alert = note.alerts[0]
        head = f"kansa: [{SEVERITY_JA[alert.severity]}] {alert.rule_id} {alert.title.ja}"
        lines = _lines_ja(alert, base_url)
    text = head + "\n" + "\n".join(lines)
    payload = {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
    return _guard(json.dumps(payload, ensure_ascii=False, sort_keys=True)).encode()


def email_message(note: Notification, base_url: str, sender: str) -> EmailMessage:
    first = note.alerts[0]
    tenant = first.tenant
    if note.is_digest:
        by_severity = ", ".join(
            f"{SEVERITY_JA[s]} {n} 件" for s in Severity
            if (n := sum(1 for a in note.alerts if a.severity is s))
        )
        subject = f"[kansa] {tenant} アラートまとめ {len(note.alerts)} 件（{by_severity}）"
        body_lines = [f"{tenant} のアラート {len(note.alerts)} 件をまとめて通知します。", ""]
        for alert in note.alerts:
            body_lines += [*_lines_ja(alert, base_url), ""]
    else:
        subject = f"[kansa][{SEVERITY_JA[first.severity]}] {first.rule_id} {first.title.ja}（{tenant}）"
        body_lines = ["kansa が次のアラートを検知しました。", "", *_lines_ja(first, base_url), ""]
    body_lines.append("このメールは kansa から自動送信されています。個人番号は記載していません。")
    message = EmailMessage()
    message["Subject"] = _guard(subject)
    message["From"] = sender
    message["To"] = ", ".join(note.route.to)
    message["Message-ID"] = make_msgid(idstring=note.idempotency_key, domain="kansa.invalid")
    message["X-Kansa-Idempotency-Key"] = note.idempotency_key
    message.set_content(_guard("\n".join(body_lines)), charset="utf-8")
    return message
