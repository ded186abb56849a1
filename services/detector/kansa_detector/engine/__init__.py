"""The pure detection engine: no faust, kafka or elasticsearch imports, no clock reads (style.md §3.4)."""

from __future__ import annotations

from kansa_detector.engine.core import Engine
from kansa_detector.engine.fields import partition_value
from kansa_detector.engine.reference import ReferenceProvider, ReferenceView, StaticReference
from kansa_detector.engine.store import InMemoryStore, StateStore

__all__ = [
    "Engine",
    "InMemoryStore",
    "ReferenceProvider",
    "ReferenceView",
    "StateStore",
    "StaticReference",
    "partition_value",
]
