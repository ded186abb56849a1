"""Engine state behind a port: the live adapter wraps a faust Table, replay and tests use InMemoryStore."""

from __future__ import annotations

import json
from typing import Any, Protocol


class StateStore(Protocol):
    """Key -> JSON-able dict. Values are not live objects: always `put` after changing one."""

    def get(self, key: str) -> dict[str, Any] | None: ...
    def put(self, key: str, value: dict[str, Any]) -> None: ...
    def delete(self, key: str) -> None: ...


class InMemoryStore:
    """A dict. With `serialise=True` every value round-trips through JSON, as it would through a faust
    changelog, so a value that is not JSON-able or is changed without `put` shows up in tests."""

    def __init__(self, *, serialise: bool = False) -> None:
        self._data: dict[str, Any] = {}
        self._serialise = serialise

    def get(self, key: str) -> dict[str, Any] | None:
        value = self._data.get(key)
        if value is None:
            return None
        if self._serialise:
            loaded: dict[str, Any] = json.loads(value)
            return loaded
        stored: dict[str, Any] = value
        return stored

    def put(self, key: str, value: dict[str, Any]) -> None:
        self._data[key] = json.dumps(value) if self._serialise else value

    def delete(self, key: str) -> None:
        self._data.pop(key, None)

    def all_keys(self) -> list[str]:
        return sorted(self._data)
