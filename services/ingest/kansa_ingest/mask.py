"""Replace every valid personal number, in any field, by the tenant's keyed token before anything leaves ingest."""

from __future__ import annotations

from typing import Any

from kansa_schemas import mynumber


def mask_value(value: Any, tenant_key: bytes) -> tuple[Any, int]:
    """Walk parsed JSON; returns the masked copy and how many numbers were replaced."""
    if isinstance(value, str):
        return mynumber.mask_text(value, tenant_key)
    if isinstance(value, bool):
        return value, 0
    if isinstance(value, int) and mynumber.is_valid(str(value)):
        return mynumber.tokenise(str(value), tenant_key), 1
    if isinstance(value, dict):
        total = 0
        masked: dict[str, Any] = {}
        for key, item in value.items():
            masked_key, key_count = mynumber.mask_text(key, tenant_key)
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
