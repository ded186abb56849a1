"""The write-behind changelog: latest value per key, deletes as tombstones, applied-offset markers last."""

from __future__ import annotations

from typing import Any

from kansa_detector.adapters.faust_store import APPLIED_KEY, ChangelogWriter, FaustStateStore


class RecordingTable:
    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.sent: list[tuple[int, str, Any]] = []

    def send_changelog(self, partition: int, key: str, value: Any) -> None:
        self.sent.append((partition, key, value))


def test_only_the_latest_value_of_each_dirty_key_is_sent_and_markers_go_last() -> None:
    table = RecordingTable()
    writer = ChangelogWriter(table)
    actor = FaustStateStore(writer, partition=2, prefix="actor")
    actor.put(APPLIED_KEY, {"offset": 1})
    actor.put("a", {"n": 1})
    actor.put("a", {"n": 2})
    actor.put("gone", {"n": 1})
    actor.delete("gone")
    actor.put(APPLIED_KEY, {"offset": 2})
    assert actor.get("a") == {"n": 2} and actor.get("gone") is None
    assert table.sent == []  # nothing leaves before a commit asks for it

    assert writer.flush() == 3
    assert table.sent == [
        (2, "actor|2|a", {"n": 2}),
        (2, "actor|2|gone", None),
        (2, f"actor|2|{APPLIED_KEY}", {"offset": 2}),
    ]
    assert writer.flush() == 0


def test_stores_of_different_families_and_partitions_do_not_share_keys() -> None:
    table = RecordingTable()
    writer = ChangelogWriter(table)
    FaustStateStore(writer, 0, "actor").put("k", {"v": "actor0"})
    FaustStateStore(writer, 0, "request").put("k", {"v": "request0"})
    FaustStateStore(writer, 1, "actor").put("k", {"v": "actor1"})
    assert FaustStateStore(writer, 0, "actor").get("k") == {"v": "actor0"}
    assert FaustStateStore(writer, 1, "actor").get("k") == {"v": "actor1"}
    assert FaustStateStore(writer, 0, "request").get("k") == {"v": "request0"}
