import pytest

from kansa_schemas import mynumber

KEY = b"k" * 32


@pytest.mark.parametrize("first_eleven", ["12345678901", "00000000000", "98765432109", "11111111111"])
def test_check_digit_follows_the_published_weights(first_eleven: str) -> None:
    total = sum(int(d) * w for d, w in zip(first_eleven, (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True))
    expected = 0 if total % 11 <= 1 else 11 - total % 11
    assert mynumber.make_valid(first_eleven) == first_eleven + str(expected)
    assert mynumber.is_valid(first_eleven + str(expected))
    assert not mynumber.is_valid(first_eleven + str((expected + 1) % 10))


def test_tokens_are_keyed_per_tenant_and_stable() -> None:
    number = mynumber.make_valid("12345678901")
    assert mynumber.tokenise(number, KEY) == mynumber.tokenise(number, KEY)
    assert mynumber.tokenise(number, KEY) != mynumber.tokenise(number, b"other")
    assert number not in mynumber.tokenise(number, KEY)


def test_tokens_hold_no_digit_so_they_never_look_like_a_number() -> None:
    tokens = [mynumber.tokenise(mynumber.make_valid(f"{n:011d}"), KEY) for n in range(0, 10**11, 10**7)]
    assert len(set(tokens)) == len(tokens)
    assert not any(ch.isdigit() for token in tokens for ch in token)


def test_masking_replaces_only_valid_numbers_not_embedded_in_longer_digit_runs() -> None:
    valid = mynumber.make_valid("12345678901")
    invalid = valid[:11] + str((int(valid[11]) + 1) % 10)
    text = f"no {valid}, not {invalid}, not 9{valid}, and ({valid})"
    masked, count = mynumber.mask_text(text, KEY)
    assert count == 2
    assert valid not in masked.replace(f"9{valid}", "")
    assert invalid in masked and f"9{valid}" in masked
    assert mynumber.mask_bytes(text.encode(), KEY).decode() == masked
