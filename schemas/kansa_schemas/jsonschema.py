"""Generate the checked-in JSON Schema files from the pydantic models (`python -m kansa_schemas.jsonschema`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from kansa_schemas.alert import Alert
from kansa_schemas.events import EVENT_ADAPTER
from kansa_schemas.reference import ReferenceBundle

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "json"


def generate() -> dict[str, dict[str, Any]]:
    return {
        "event.schema.json": EVENT_ADAPTER.json_schema(),
        "alert.schema.json": TypeAdapter(Alert).json_schema(),
        "reference-bundle.schema.json": TypeAdapter(ReferenceBundle).json_schema(),
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def stale_files(directory: Path = DEFAULT_DIR) -> list[str]:
    return [name for name, schema in generate().items()
            if not (directory / name).exists() or (directory / name).read_text(encoding="utf-8") != render(schema)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if a checked-in file is stale")
    args = parser.parse_args()
    if args.check:
        stale = stale_files()
        for name in stale:
            print(f"stale: schemas/json/{name}; run `python -m kansa_schemas.jsonschema`", file=sys.stderr)
        return 1 if stale else 0
    DEFAULT_DIR.mkdir(exist_ok=True)
    for name, schema in generate().items():
        (DEFAULT_DIR / name).write_text(render(schema), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
