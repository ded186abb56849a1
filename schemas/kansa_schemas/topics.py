"""Kafka topic names, and their creation: one place for producers and consumers."""

from __future__ import annotations

import contextlib

EVENTS = "kansa.events.v1"
ALERTS = "kansa.alerts.v1"
DEAD_LETTER = "kansa.dlq.v1"
REFERENCE = "kansa.reference.v1"
ROUTER_OUTBOX = "kansa.router.outbox.v1"  # alerts waiting for a retry, a digest or a rate-limit slot
ROUTER_MARKS = "kansa.router.marks.v1"  # compacted: per tenant|route|alert, queued / delivered / dead
ROUTER_DEAD = "kansa.router.dead.v1"  # alerts a route gave up on, with the last error


def event_key(tenant: str, partition_actor: str) -> bytes:
    """Events are keyed by tenant + the staff member they are about, so one person's events keep their order."""
    return f"{tenant}|{partition_actor}".encode()


def ensure_topics(
    bootstrap: str, names: list[str], partitions: int, replication_factor: int, config: dict[str, str] | None = None,
) -> None:
    """Create missing topics (idempotent, safe with several instances starting at once, any cluster size).
    `config`: topic-level settings, e.g. {"cleanup.policy": "compact"}."""
    # Imported here so the schema package stays free of client libraries for everyone who only needs names.
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="kansa-admin")
    try:
        existing = set(admin.list_topics())
        missing = [NewTopic(name, num_partitions=partitions, replication_factor=replication_factor,
                            topic_configs=config or {})
                   for name in names if name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(missing)
    finally:
        admin.close()


def partition_count(bootstrap: str, topic: str) -> int:
    """Partitions an existing topic really has (it may predate our settings)."""
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="kansa-admin")
    try:
        partitions = consumer.partitions_for_topic(topic)
    finally:
        consumer.close()
    if not partitions:
        raise RuntimeError(f"topic {topic} does not exist on {bootstrap}")
    return len(partitions)
