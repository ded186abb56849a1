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
    expires_at: AwareDatetime | None = Field(default=None, description="After this the token is refused.")
    label: str = ""

    @property
    def token_id(self) -> str:
        """What lists and revocation name a token by: the first 12 hex digits of its hash, never the token."""
        return self.sha256[:12]


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


def issue(path: Path, user_id: str, role: Role, tenants: tuple[str, ...], label: str = "",
          valid_days: int | None = None) -> str:
    """Create a token, store its hash in `path`, and return the token: the only time it is ever shown."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    record = TokenRecord(user_id=user_id, role=role, tenants=tenants, sha256=digest(token), created_at=now,
                         expires_at=now + dt.timedelta(days=valid_days) if valid_days else None, label=label)
    current = load(path)
    current.tokens.append(record)
    _save(path, current)
    return token


def revoke(path: Path, token_id: str) -> TokenRecord:
    """Remove the one token whose id (hash prefix, at least 8 digits) is `token_id`; returns what was removed."""
    current = load(path)
    matching = [r for r in current.tokens if len(token_id) >= 8 and r.sha256.startswith(token_id.lower())]
    if len(matching) != 1:
        raise TokenFileError(f"{len(matching)} tokens have the id {token_id!r}; give the id `kansa api token list` "
                             "shows (8 or more hex digits)")
    current.tokens.remove(matching[0])
    _save(path, current)
    return matching[0]


def _save(path: Path, current: TokenFile) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(yaml.safe_dump(current.model_dump(mode="json"), allow_unicode=True, sort_keys=False),
                         encoding="utf-8")
    temporary.chmod(0o600)
    temporary.replace(path)


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

    def tenants(self) -> frozenset[str]:
        """Every tenant some token is bound to: the tenants this API serves."""
        self._refresh()
        return frozenset(t for record in self._records for t in record.tenants)

    def verify(self, presented: str, now: dt.datetime | None = None) -> TokenRecord | None:
        """The token's record, or None when it is unknown, revoked or expired."""
        self._refresh()
        wanted = digest(presented)
        found = None
        for record in self._records:
            if hmac.compare_digest(record.sha256, wanted):
                found = record
        if found is not None and found.expires_at is not None and (now or dt.datetime.now(dt.UTC)) >= found.expires_at:
            return None
        return found
