"""Delivery over the wire. A failure says whether trying again can help (`retry`) and what went wrong."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass

import httpx

from kansa_detector.router.config import Channel
from kansa_detector.router.message import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    Notification,
    chat_body,
    email_message,
    signature,
    webhook_body,
)


class DeliveryFailed(Exception):
    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.retry = retry


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    timeout_s: float


class Senders:
    def __init__(self, smtp: SmtpSettings, base_url: str, timeout_s: float) -> None:
        self._smtp = smtp
        self._base_url = base_url
        self._http = httpx.Client(timeout=timeout_s)

    def close(self) -> None:
        self._http.close()

    def send(self, note: Notification) -> None:
        channel = note.route.channel
        if channel is Channel.EMAIL:
            self._email(note)
        elif channel is Channel.WEBHOOK:
            body = webhook_body(note, self._base_url)
            self._post(note, body, {SIGNATURE_HEADER: signature(note.route.secret(), body)})
        else:
            self._post(note, chat_body(note, self._base_url), {})

    def _post(self, note: Notification, body: bytes, headers: dict[str, str]) -> None:
        assert note.route.url is not None
        try:
            response = self._http.post(note.route.url, content=body, headers={
                "Content-Type": "application/json; charset=utf-8", IDEMPOTENCY_HEADER: note.idempotency_key,
                **headers,
            })
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{note.route.url}: {type(exc).__name__}: {exc}", retry=True) from exc
        if response.is_success:
            return
        # 408/429 and 5xx are the receiver's temporary trouble; other 4xx will not change by retrying.
        retry = response.status_code in (408, 429) or response.status_code >= 500
        raise DeliveryFailed(f"{note.route.url}: HTTP {response.status_code} {response.text[:200]}", retry=retry)

    def _email(self, note: Notification) -> None:
        message = email_message(note, self._base_url, self._smtp.sender)
        try:
            with smtplib.SMTP(self._smtp.host, self._smtp.port, timeout=self._smtp.timeout_s) as smtp:
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryFailed(f"SMTP refused every recipient: {exc.recipients}", retry=False) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"SMTP {self._smtp.host}:{self._smtp.port}: {type(exc).__name__}: {exc}",
                                 retry=True) from exc
