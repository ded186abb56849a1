"""One module per rule (`drNN_*.py`, `cxNN_*.py`): each injects violations with their ground truth, and benign
look-alikes.

A module defines `RULE_ID` and one `Scenario` subclass for it; `all_scenarios` finds them, so adding a rule's
scenario touches no shared file.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

from kansa_ingest.simulator.scenarios.base import Scenario

_MODULE = re.compile(r"(dr|cx)\d{2}_\w+")


def _scenario_classes() -> list[type[Scenario]]:
    """One class per module, in module-name order (the order is part of what makes a seed reproducible)."""
    classes: list[type[Scenario]] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not _MODULE.fullmatch(info.name):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found = [
            cls for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, Scenario) and cls.__module__ == module.__name__
        ]
        if len(found) != 1 or found[0].rule_id != getattr(module, "RULE_ID", None):
            raise ImportError(f"{module.__name__} must define RULE_ID and exactly one Scenario for it, not {found}")
        classes.append(found[0])
    return classes


_CLASSES = _scenario_classes()
RULE_IDS: tuple[str, ...] = tuple(sorted({cls.rule_id for cls in _CLASSES}))


def all_scenarios() -> list[Scenario]:
    """Fresh instances in a fixed order."""
    return [cls() for cls in _CLASSES]


__all__ = ["RULE_IDS", "Scenario", "all_scenarios"]
