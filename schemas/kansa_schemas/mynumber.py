"""My Number (個人番号) check digit and keyed tokenisation, shared by ingest masking and the search API."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
# Twelve digits not embedded in a longer digit run.
_CANDIDATE = re.compile(r"(?<!\d)\d{12}(?!\d)")
_CANDIDATE_BYTES = re.compile(rb"(?<!\d)\d{12}(?!\d)")
# The way the card prints it: three groups of four, joined by a hyphen or a space.
_GROUPED = re.compile(r"(?<![\d-])(\d{4})[- ](\d{4})[- ](\d{4})(?![\d-])")
_GROUPED_BYTES = re.compile(rb"(?<![\d-])(\d{4})[- ](\d{4})[- ](\d{4})(?![\d-])")
TOKEN_PREFIX = "mnt_"
# Hex digits 0-9 spelled as letters g-p: a token never holds a digit run that could itself look like a number.
_DIGITLESS = str.maketrans("0123456789", "ghijklmnop")


def check_digit(first_eleven: str) -> int:
    total = sum(int(d) * w for d, w in zip(first_eleven, _WEIGHTS, strict=True))
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_valid(candidate: str) -> bool:
    return (
        len(candidate) == 12 and candidate.isascii() and candidate.isdigit()
        and check_digit(candidate[:11]) == int(candidate[11])
    )


_DEV_SECRET = b"kansa-dev-only-tenant-secret"


class MissingTenantKey(KeyError):
    """Production and no key configured for the tenant: nothing can be tokenised or searched by number."""

    def __str__(self) -> str:
        return str(self.args[0])


def tenant_key(configured: dict[str, str], tenant: str, environment: str) -> bytes:
    """The tenant's tokenisation key (`KANSA_TENANT_KEYS__<tenant>`), shared by ingest and the search API so a
    number searched for gives the token ingest stored. In dev only, a key derived from a fixed secret."""
    if configured.get(tenant):
        return configured[tenant].encode()
    if environment == "prod":
        raise MissingTenantKey(f"no tokenisation key for tenant {tenant}: set KANSA_TENANT_KEYS__{tenant}")
    return hashlib.sha256(_DEV_SECRET + tenant.encode()).digest()


def tokenise(number: str, tenant_key: bytes) -> str:
    """Keyed, deterministic token: the same number gives the same token within a tenant only."""
    digest = hmac.new(tenant_key, number.encode("ascii"), hashlib.sha256).hexdigest()
    return TOKEN_PREFIX + digest[:32].translate(_DIGITLESS)


def mask_text(text: str, tenant_key: bytes) -> tuple[str, int]:
    """Replace every valid personal number in `text`, plain or in groups of four, by its token; returns the text
    and how many were replaced."""
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        digits = "".join(match.groups()) if match.re is _GROUPED else match.group()
        if not is_valid(digits):
            return match.group()
        count += 1
        return tokenise(digits, tenant_key)

    return _CANDIDATE.sub(replace, _GROUPED.sub(replace, text)), count


def mask_value(value: Any, tenant_key: bytes) -> tuple[Any, int]:
    """Walk parsed JSON (or any dict/list/str tree): the masked copy, keys included, and how many numbers were
    replaced. Used by ingest on every event and by the search API on what it searches, stores and audits."""
    if isinstance(value, str):
        return mask_text(value, tenant_key)
    if isinstance(value, bool):
        return value, 0
    if isinstance(value, int) and is_valid(str(value)):
        return tokenise(str(value), tenant_key), 1
    if isinstance(value, dict):
        total = 0
        masked: dict[str, Any] = {}
        for key, item in value.items():
            masked_key, key_count = mask_text(key, tenant_key)
            masked[masked_key], count = mask_value(item, tenant_key)
            total += count + key_count
        return masked, total
    if isinstance(value, list):
        items = []
        total = 0
        for item in value:
            masked_item, count = mask_value(item, tenant_key)
            items.append(masked_item)
            total += count
        return items, total
    return value, 0


def mask_bytes(raw: bytes, tenant_key: bytes) -> bytes:
    """Mask raw bytes that may not even be valid JSON (dead-letter copies of rejected input)."""

    def replace(match: re.Match[bytes]) -> bytes:
        digits = (b"".join(match.groups()) if match.re is _GROUPED_BYTES else match.group()).decode("ascii")
        return tokenise(digits, tenant_key).encode("ascii") if is_valid(digits) else match.group()

    return _CANDIDATE_BYTES.sub(replace, _GROUPED_BYTES.sub(replace, raw))


NUMBER_LIKE = re.compile(r"\d{12,}|\d{4}[- ]\d{4}[- ]\d{4}")
"""Anything that could be a personal number, valid or not: what a log line or an error message never shows."""


def redact_number_like(text: str) -> str:
    """For text with no tenant key at hand (or none that may be used): every number-like run becomes [digits]."""
    return NUMBER_LIKE.sub("[digits]", text)


def contains_personal_number(text: str) -> bool:
    """A valid number, plain or in groups of four."""
    return any(is_valid(m.group()) for m in _CANDIDATE.finditer(text)) or any(
        is_valid("".join(m.groups())) for m in _GROUPED.finditer(text))


def make_valid(first_eleven: str) -> str:
    """A valid number from 11 digits; for simulators and tests."""
    return first_eleven + str(check_digit(first_eleven))
