"""API tokens: random bearer secrets, stored only as SHA-256, each with one role and the tenants it may read.

Roles are ordered: a viewer searches and reads alerts; an officer also searches by raw personal number, exports
(per-resident histories, CSV) and triages alerts; an admin also issues tokens. A token never sees a tenant it is
not bound to, whatever its role.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from kansa_schemas.envelope import Identifier, TenantCode

TOKEN_PREFIX = "kat_"


class Role(StrEnum):
    VIEWER = "viewer"
    OFFICER = "officer"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


class TokenRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    user_id: Identifier = Field(description="The officer this token belongs to; audit events name them.")
    role: Role
    tenants: tuple[TenantCode, ...] = Field(min_length=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    created_at: AwareDatetime
    label: str = ""


class TokenFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tokens: list[TokenRecord] = Field(default_factory=list)


class TokenFileError(ValueError):
    pass


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def load(path: Path) -> TokenFile:
    if not path.exists():
        return TokenFile()
    try:
        return TokenFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (yaml.YAMLError, ValidationError) as exc:
        raise TokenFileError(f"{path}: not a valid token file ({exc}); fix it or issue tokens again") from exc


def issue(path: Path, user_id: str, role: Role, tenants: tuple[str, ...], label: str = "") -> str:
    """Create a token, store its hash in `path`, and return the token: the only time it is ever shown."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = TokenRecord(user_id=user_id, role=role, tenants=tenants, sha256=digest(token),
                         created_at=dt.datetime.now(dt.UTC), label=label)
    current = load(path)
    current.tokens.append(record)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(yaml.safe_dump(current.model_dump(mode="json"), allow_unicode=True, sort_keys=False),
                         encoding="utf-8")
    temporary.chmod(0o600)
    temporary.replace(path)
    return token


class TokenStore:
    """The token file, read again when it changes, so newly issued tokens work without a restart."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp: tuple[int, int, int] | None = None
        self._records: tuple[TokenRecord, ...] = ()

    def _refresh(self) -> None:
        # Not the mtime alone: two tokens issued within one tick of a coarse file-system clock would leave the
        # second unknown. `issue` replaces the file (new inode) with a longer one (new size).
        stat = self._path.stat() if self._path.exists() else None
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino) if stat else None
        if stamp != self._stamp:
            self._records = tuple(load(self._path).tokens)
            self._stamp = stamp

    def verify(self, presented: str) -> TokenRecord | None:
        self._refresh()
        wanted = digest(presented)
        found = None
        for record in self._records:
            if hmac.compare_digest(record.sha256, wanted):
                found = record
        return found
