"""Prometheus metrics of the ingest service."""

from prometheus_client import Counter, Histogram

EVENTS_ACCEPTED = Counter("kansa_ingest_events_accepted_total", "Events validated and acknowledged by Kafka",
                          ["source_system"])
EVENTS_REJECTED = Counter("kansa_ingest_events_rejected_total", "Events rejected and sent to the dead-letter topic",
                          ["reason"])
EVENTS_PUBLISHED = Counter("kansa_ingest_events_published_total", "Records acknowledged by Kafka", ["topic"])
NUMBERS_MASKED = Counter("kansa_ingest_personal_numbers_masked_total", "Personal numbers replaced by tokens")
BATCH_SECONDS = Histogram("kansa_ingest_batch_seconds", "Time to validate and publish one batch",
                          buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
