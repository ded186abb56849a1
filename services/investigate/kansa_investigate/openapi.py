"""The API's OpenAPI description, checked in at schemas/openapi/investigate.json
(`python -m kansa_investigate.openapi`, `--check` in `make lint`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from elasticsearch import Elasticsearch

from kansa_investigate.app import create_app
from kansa_investigate.settings import InvestigateSettings
from kansa_schemas.events.audit import AuditEvent

CHECKED_IN = Path(__file__).resolve().parents[3] / "schemas" / "openapi" / "investigate.json"


class _NoAudit:
    def record(self, event: AuditEvent) -> None:
        raise RuntimeError("the OpenAPI description is generated without serving requests")


def render() -> str:
    settings = InvestigateSettings()
    # The client connects lazily: building the app for its description talks to no server.
    app = create_app(settings, Elasticsearch(settings.elasticsearch.url), _NoAudit())
    return json.dumps(app.openapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the checked-in file is stale")
    args = parser.parse_args()
    current = render()
    if args.check:
        if not CHECKED_IN.exists() or CHECKED_IN.read_text(encoding="utf-8") != current:
            print(f"stale: {CHECKED_IN.relative_to(CHECKED_IN.parents[2])}; run `python -m kansa_investigate.openapi`",
                  file=sys.stderr)
            return 1
        return 0
    CHECKED_IN.parent.mkdir(exist_ok=True)
    CHECKED_IN.write_text(current, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
