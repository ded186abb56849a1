"""rules.lock.json (style.md §3.3 "versions come from content"): every rule locked, content changes bump `version`."""

from __future__ import annotations

import pytest

from kansa_detector.rules_cli import LOCK_NAME, diff_lock, lock_entries, read_lock
from kansa_schemas.rule import Catalogue, load_catalogue
from tests.rules.test_catalogue import RULES_DIR

CATALOGUE: Catalogue = load_catalogue(RULES_DIR)
CURRENT = lock_entries(CATALOGUE)
LOCKED = read_lock(RULES_DIR / LOCK_NAME)
FIX = "run `kansa rules lock`"


@pytest.mark.parametrize("rule_id", sorted(CURRENT))
def test_rule_is_locked(rule_id: str) -> None:
    if rule_id not in LOCKED:
        pytest.fail(f"{rule_id} is missing from {LOCK_NAME}: {FIX}")


@pytest.mark.parametrize("rule_id", sorted(CURRENT))
def test_rule_content_matches_the_lock(rule_id: str) -> None:
    if rule_id not in LOCKED:
        pytest.skip(f"not locked yet: {FIX}")
    diff = diff_lock({rule_id: CURRENT[rule_id]}, {rule_id: LOCKED[rule_id]})
    path = CATALOGUE.entry(rule_id).path
    version = CURRENT[rule_id]["version"]
    if rule_id in diff.unbumped:
        pytest.fail(f"{rule_id} ({path}) changed but `version` is still {version}: raise `version`, then {FIX}")
    if rule_id in diff.bumped:
        pytest.fail(f"{rule_id} is now version {version} with new content: {FIX}")


def test_no_locked_rule_has_disappeared() -> None:
    gone = sorted(set(LOCKED) - set(CURRENT))
    assert not gone, f"locked but no longer in the catalogue: {gone} (retire rules to _deprecated/); {FIX}"


def test_the_lock_is_what_kansa_rules_lock_writes() -> None:
    text = (RULES_DIR / LOCK_NAME).read_text(encoding="utf-8")
    assert list(LOCKED) == sorted(LOCKED), f"{LOCK_NAME} is not sorted: {FIX}"
    assert text.endswith("}\n")
