"""The engine stays pure (style.md §3.4): no transport, no adapters, no clock."""

from __future__ import annotations

import ast
from pathlib import Path

import kansa_detector.engine

ENGINE = Path(kansa_detector.engine.__file__).parent
FORBIDDEN = ("faust", "kafka", "aiokafka", "elasticsearch", "kansa_detector.adapters", "time", "os", "socket")


def test_engine_imports_nothing_impure() -> None:
    offenders = []
    for path in sorted(ENGINE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {n}" for n in names
                          if any(n == f or n.startswith(f + ".") for f in FORBIDDEN)]
    assert offenders == []
    assert len(list(ENGINE.rglob("*.py"))) >= 10  # the walk really saw the package
