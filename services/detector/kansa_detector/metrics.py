"""Prometheus metrics of the detector and the indexer."""

from prometheus_client import Counter, Gauge, Histogram

EVENTS_CONSUMED = Counter("kansa_detector_events_consumed_total", "Events consumed by the rule workers", ["stream"])
ALERTS_RAISED = Counter("kansa_detector_alerts_raised_total", "Alerts raised (or re-raised with a higher count)",
                        ["rule_id", "severity"])
LATE_EVENTS = Counter("kansa_detector_late_events_total", "Events that arrived later than the allowed lateness")
INVALID_EVENTS = Counter("kansa_detector_invalid_events_total", "Records on the events topic that failed validation")
PROCESSING_SECONDS = Histogram(
    "kansa_detector_processing_seconds", "From the record's Kafka timestamp to the end of rule evaluation",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
INDEXED = Counter("kansa_indexer_documents_total", "Documents acknowledged by Elasticsearch", ["kind"])
BULK_ERRORS = Counter("kansa_indexer_bulk_errors_total", "Documents Elasticsearch refused", ["kind", "reason"])
BULK_SECONDS = Histogram("kansa_indexer_bulk_seconds", "Duration of one bulk request",
                         buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
PENDING_PARTITIONS = Gauge("kansa_detector_pending_partitions",
                           "Engine partitions holding events not yet released by the watermark")
REDELIVERED = Counter("kansa_detector_redelivered_total",
                      "Records skipped because their effects were already in the state changelog", ["stream"])
RULE_INPUT_EVENTS = Counter("kansa_detector_rule_input_events_total",
                            "Events a rule examined (its input feed)", ["tenant", "rule_id"])
RULE_NOT_EVALUABLE = Counter("kansa_detector_rule_not_evaluable_total",
                             "Events a rule could not judge because the reference data it joins were missing",
                             ["tenant", "rule_id"])
RULE_LAST_INPUT = Gauge("kansa_detector_rule_last_input_timestamp_seconds",
                        "Event time of the newest event a rule examined", ["tenant", "rule_id"])
RULE_SOURCE_MISSING = Gauge(
    "kansa_detector_rule_source_missing",
    "1 while a rule has examined no event for source_missing_after_s: not evaluable, source missing",
    ["tenant", "rule_id"],
)
ROUTER_DELIVERIES = Counter("kansa_router_deliveries_total", "Notifications delivered", ["route", "channel"])
ROUTER_FAILURES = Counter("kansa_router_failures_total", "Delivery attempts that failed", ["route", "channel",
                                                                                          "retryable"])
ROUTER_RETRIES = Counter("kansa_router_retries_total", "Alerts queued again after a failed attempt",
                         ["route", "channel"])
ROUTER_DEAD = Counter("kansa_router_dead_letters_total", "Alerts given up on for a route (see the dead-letter topic)",
                      ["route"])
ROUTER_QUEUE_DEPTH = Gauge("kansa_router_queue_depth", "Alerts waiting for a retry, a digest or a rate-limit slot")
ROUTER_LATENCY = Histogram(
    "kansa_router_notification_latency_seconds",
    "From the alert's event time to its delivery (path: immediate, retry, digest, rate)", ["path"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300, 900, 3600, 7200),
)
