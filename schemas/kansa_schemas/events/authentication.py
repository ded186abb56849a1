"""Authentication: login/logout/failure with factors, session lock/unlock."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

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
    action: Literal["auth.login"]
    layer: LoginLayer = LoginLayer.APP
    factors: tuple[Factor, ...] = ()
    matched_user_id: Identifier | None = None


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
