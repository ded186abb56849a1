"""Routes per tenant: `deploy/tenants/<code>/routes.yaml`. Secrets never live in the file: a webhook names the
environment variable that holds its HMAC key."""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from kansa_schemas.alert import Alert, Severity

ROUTES_FILE = "routes.yaml"
_TENANT = re.compile(r"^\d{6}$")

RouteName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Z_][A-Z0-9_]*$")]
Address = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Channel(StrEnum):
    WEBHOOK = "webhook"  # JSON, HMAC-signed, idempotency key
    EMAIL = "email"  # SMTP, Japanese subject and body
    CHAT = "chat"  # Slack-compatible incoming webhook


class Digest(_Model):
    """Alerts of these severities are collected and sent as one message per window (Critical never is)."""

    severities: tuple[Severity, ...] = (Severity.LOW, Severity.MEDIUM)
    every: dt.timedelta = Field(default=dt.timedelta(hours=1), gt=dt.timedelta(0))

    @model_validator(mode="after")
    def _never_critical(self) -> Digest:
        if Severity.CRITICAL in self.severities:
            raise ValueError("critical alerts are never held back by a digest")
        return self


class RateLimit(_Model):
    """At most `max` messages per `per`; what is over waits for the next free slot (Critical never waits)."""

    max: int = Field(ge=1)
    per: dt.timedelta = Field(gt=dt.timedelta(0))


class Route(_Model):
    name: RouteName
    channel: Channel
    url: str | None = Field(default=None, pattern=r"^https?://")
    secret_env: EnvName | None = Field(default=None, description="Environment variable holding the HMAC key.")
    to: tuple[Address, ...] = ()
    min_severity: Severity = Severity.LOW
    rules: tuple[str, ...] = Field(default=(), description="Rule id patterns (fnmatch), empty = every rule.")
    digest: Digest | None = None
    rate_limit: RateLimit | None = None

    @model_validator(mode="after")
    def _channel_fields(self) -> Route:
        if self.channel is Channel.EMAIL:
            if not self.to or self.url is not None:
                raise ValueError("an email route needs `to` (and no url)")
        elif self.url is None or self.to:
            raise ValueError(f"a {self.channel.value} route needs `url` (and no `to`)")
        if self.channel is Channel.WEBHOOK and self.secret_env is None:
            raise ValueError("a webhook route needs `secret_env`: receivers must be able to verify the signature")
        return self

    def wants(self, alert: Alert) -> bool:
        if alert.severity.rank < self.min_severity.rank:
            return False
        return not self.rules or any(fnmatch.fnmatchcase(alert.rule_id, p) for p in self.rules)

    def digests(self, alert: Alert) -> bool:
        return self.digest is not None and alert.severity in self.digest.severities

    def secret(self) -> bytes:
        value = os.environ.get(self.secret_env or "")
        if not value:
            raise RouteConfigError(f"route {self.name}: environment variable {self.secret_env} (HMAC key) is not set")
        return value.encode()


class TenantRoutes(_Model):
    routes: tuple[Route, ...] = ()

    @model_validator(mode="after")
    def _unique_names(self) -> TenantRoutes:
        names = [r.name for r in self.routes]
        if len(names) != len(set(names)):
            raise ValueError(f"route names must be unique, got {names}")
        return self


class RouteConfigError(ValueError):
    """A routes file that does not load; the router refuses to start rather than drop alerts."""


def load_routes(tenants_dir: Path) -> dict[str, TenantRoutes]:
    """Every `<tenant>/routes.yaml` under `tenants_dir`; webhook secrets must be present in the environment."""
    result: dict[str, TenantRoutes] = {}
    errors: list[str] = []
    for path in sorted(tenants_dir.glob(f"*/{ROUTES_FILE}")) if tenants_dir.is_dir() else []:
        tenant = path.parent.name
        if not _TENANT.match(tenant):
            errors.append(f"{path}: the folder must be a 6-digit municipality code")
            continue
        try:
            routes = TenantRoutes.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        except (yaml.YAMLError, ValidationError) as exc:
            errors.append(f"{path}: {exc}")
            continue
        for route in routes.routes:
            if route.channel is Channel.WEBHOOK:
                try:
                    route.secret()
                except RouteConfigError as exc:
                    errors.append(f"{path}: {exc}")
        result[tenant] = routes
    if errors:
        raise RouteConfigError("\n".join(errors))
    return result
