"""Authentication: login/logout/failure with factors, session lock/unlock."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from kansa_schemas.envelope import EventEnvelope, Identifier


class Factor(StrEnum):
    FACE = "face"
    IC_CARD = "ic_card"
    PASSWORD = "password"


class LoginLayer(StrEnum):
    BIOMETRIC = "biometric"
    OS = "os"
    APP = "app"


class AuthLogin(EventEnvelope):
    """One stage of a login. The identities a stage takes over from the one before it (who the face matched, which
    Windows user the business application runs under) let DR-10 check the chain is one person (000 L334)."""

    action: Literal["auth.login"]
    layer: LoginLayer = LoginLayer.APP
    factors: tuple[Factor, ...] = ()
    matched_user_id: Identifier | None = Field(
        default=None,
        description="Whom the face matched: on the biometric stage, and on an OS login whose face factor it used.",
    )
    os_user_id: Identifier | None = Field(
        default=None, description="Application logins: the Windows (OS) user of the terminal session it runs in."
    )


class AuthLogout(EventEnvelope):
    action: Literal["auth.logout"]
    layer: LoginLayer = LoginLayer.APP
    reason: Literal["user", "timeout", "forced"] = "user"


class AuthFailure(EventEnvelope):
    action: Literal["auth.failure"]
    layer: LoginLayer = LoginLayer.APP
    reason: Literal["bad_password", "unknown_user", "locked", "factor_mismatch", "expired"]


class SessionLock(EventEnvelope):
    action: Literal["session.lock", "session.unlock", "account.locked", "account.unlocked"]
    reauth_factors: tuple[Factor, ...] = ()
