"""Pure-engine throughput: a simulated month replayed through every first-wave rule, no Kafka involved."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time

from kansa_detector.engine import StaticReference
from kansa_detector.replay import replay
from kansa_detector.settings import DetectorSettings
from kansa_ingest.simulator.run import simulate
from kansa_schemas.rule import load_catalogue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    result = simulate("141003", "2026-10", args.seed, events=args.events)
    lines = [json.dumps(e) for e in result.events]
    catalogue = load_catalogue(DetectorSettings().rules_dir)
    started = time.perf_counter()
    alerts = replay(lines, catalogue, StaticReference({"141003": result.reference}), dt.timedelta(seconds=5))
    elapsed = time.perf_counter() - started
    print(f"engine replay: {len(lines)} events in {elapsed:.2f} s = {len(lines) / elapsed:,.0f} events/s; "
          f"{len(alerts)} alerts ({len(result.truth)} injected)")


if __name__ == "__main__":
    main()
