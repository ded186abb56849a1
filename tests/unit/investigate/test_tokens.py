"""API tokens: stored only as their SHA-256, bound to tenants, ordered roles, and picked up without a restart."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
from pathlib import Path

import pytest
import yaml

from kansa_investigate.tokens import Role, TokenFileError, TokenStore, issue, load, revoke


def test_a_token_is_shown_once_and_stored_only_as_its_hash(tmp_path: Path) -> None:
    path = tmp_path / "api" / "tokens.yaml"
    token = issue(path, "officer01", Role.OFFICER, ("141003", "131016"), label="test")
    assert token.startswith("kat_") and len(token) > 40
    text = path.read_text(encoding="utf-8")
    assert token not in text and token[4:] not in text
    [record] = load(path).tokens
    assert record.sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert (record.user_id, record.role, record.tenants, record.label) == (
        "officer01", Role.OFFICER, ("141003", "131016"), "test")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not path.with_suffix(".tmp").exists()


def test_verify_finds_the_holder_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "tokens.yaml"
    store = TokenStore(path)
    assert store.verify("kat_anything") is None  # no file yet
    viewer = issue(path, "viewer01", Role.VIEWER, ("141003",))
    officer = issue(path, "officer01", Role.OFFICER, ("131016",))
    found = store.verify(viewer)
    assert found is not None and (found.user_id, found.role, found.tenants) == ("viewer01", Role.VIEWER, ("141003",))
    found = store.verify(officer)
    assert found is not None and found.user_id == "officer01"
    assert store.verify(viewer + "x") is None and store.verify("") is None
    assert store.verify(hashlib.sha256(viewer.encode()).hexdigest()) is None  # the stored hash is no token


def test_a_token_issued_within_the_same_clock_tick_is_seen(tmp_path: Path) -> None:
    """File systems with a coarse clock give two quick writes one mtime; the store must still reload."""
    path = tmp_path / "tokens.yaml"
    store = TokenStore(path)
    first = issue(path, "officer01", Role.OFFICER, ("141003",))
    assert store.verify(first) is not None
    seen = path.stat().st_mtime_ns
    second = issue(path, "officer02", Role.OFFICER, ("141003",))
    os.utime(path, ns=(seen, seen))  # as a coarse clock would leave it
    found = store.verify(second)
    assert found is not None and found.user_id == "officer02"


def test_roles_are_ordered() -> None:
    assert [r.value for r in Role] == ["viewer", "officer", "admin"]
    assert Role.ADMIN.allows(Role.OFFICER) and Role.ADMIN.allows(Role.VIEWER) and Role.OFFICER.allows(Role.VIEWER)
    assert not Role.VIEWER.allows(Role.OFFICER) and not Role.OFFICER.allows(Role.ADMIN)
    assert all(role.allows(role) for role in Role)


@pytest.mark.parametrize("tenants", [(), ("14100",), ("abcdef",)])
def test_a_token_needs_real_tenants(tmp_path: Path, tenants: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        issue(tmp_path / "tokens.yaml", "officer01", Role.OFFICER, tenants)
    assert not (tmp_path / "tokens.yaml").exists()


def test_a_broken_token_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "tokens.yaml"
    path.write_text(yaml.safe_dump({"tokens": [{"user_id": "x", "role": "root"}]}), encoding="utf-8")
    with pytest.raises(TokenFileError, match="not a valid token file"):
        load(path)
    path.write_text("tokens: [", encoding="utf-8")
    with pytest.raises(TokenFileError):
        TokenStore(path).verify("kat_x")


def test_an_expired_token_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tokens.yaml"
    token = issue(path, "officer01", Role.OFFICER, ("141003",), valid_days=30)
    store = TokenStore(path)
    [record] = load(path).tokens
    assert record.expires_at is not None
    assert store.verify(token, now=record.expires_at - dt.timedelta(seconds=1)) is not None
    assert store.verify(token, now=record.expires_at) is None


def test_a_revoked_token_is_refused_at_once_and_the_others_stay(tmp_path: Path) -> None:
    path = tmp_path / "tokens.yaml"
    store = TokenStore(path)
    kept = issue(path, "officer01", Role.OFFICER, ("141003",))
    gone = issue(path, "officer02", Role.OFFICER, ("141003",))
    assert store.verify(gone) is not None
    gone_id = hashlib.sha256(gone.encode()).hexdigest()[:12]
    assert revoke(path, gone_id).user_id == "officer02"
    assert store.verify(gone) is None and store.verify(kept) is not None
    with pytest.raises(TokenFileError, match="0 tokens have the id"):
        revoke(path, gone_id)
    with pytest.raises(TokenFileError, match="8 or more"):
        revoke(path, gone_id[:4])
