"""What kansa masks (ingest and the investigation service alike) before anything is searched, stored or
audited: a personal number typed plainly or in groups of four becomes its token; other digits stay as they are."""

from __future__ import annotations

import pytest

from kansa_schemas import mynumber

KEY = b"k" * 32
NUMBER = mynumber.make_valid("12345678901")
TOKEN = mynumber.tokenise(NUMBER, KEY)


def test_plain_and_grouped_numbers_become_the_token() -> None:
    for typed in (NUMBER, f"{NUMBER[:4]}-{NUMBER[4:8]}-{NUMBER[8:]}", f"{NUMBER[:4]} {NUMBER[4:8]} {NUMBER[8:]}"):
        assert mynumber.mask_text(f"本人（{typed}）から照会", KEY) == (f"本人（{TOKEN}）から照会", 1)


def test_grouped_numbers_are_masked_in_raw_bytes_and_detected() -> None:
    grouped = f"{NUMBER[:4]}-{NUMBER[4:8]}-{NUMBER[8:]}"
    assert mynumber.mask_bytes(f'{{"reason": "{grouped}"}}'.encode(), KEY) == f'{{"reason": "{TOKEN}"}}'.encode()
    assert mynumber.contains_personal_number(f"番号 {grouped}")


def test_other_digits_are_left_alone() -> None:
    wrong = NUMBER[:11] + str((int(NUMBER[11]) + 1) % 10)
    for text in (wrong, f"{wrong[:4]}-{wrong[4:8]}-{wrong[8:]}", "03-1234-5678", f"9{NUMBER}",
                 f"0-{NUMBER[:4]}-{NUMBER[4:8]}-{NUMBER[8:]}", "2026-10-01 受付 141003"):
        assert mynumber.mask_text(text, KEY) == (text, 0)


def test_nested_filters_are_masked_everywhere() -> None:
    masked, count = mynumber.mask_value({"note": f"番号 {NUMBER}", "nested": {"actor": NUMBER}, "size": 50}, KEY)
    assert masked == {"note": f"番号 {TOKEN}", "nested": {"actor": TOKEN}, "size": 50} and count == 2


def test_without_a_key_anything_number_like_is_redacted() -> None:
    grouped = f"{NUMBER[:4]}-{NUMBER[4:8]}-{NUMBER[8:]}"
    assert mynumber.redact_number_like(f"/v1/tenants/{NUMBER}/x {grouped} 141003") == (
        "/v1/tenants/[digits]/x [digits] 141003")


def test_a_production_tenant_without_a_key_says_which_setting_is_missing() -> None:
    with pytest.raises(mynumber.MissingTenantKey, match="KANSA_TENANT_KEYS__141003"):
        mynumber.tenant_key({}, "141003", "prod")
    assert mynumber.tenant_key({"141003": "k"}, "141003", "prod") == b"k"
