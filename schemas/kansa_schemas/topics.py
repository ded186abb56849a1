"""Kafka topic names: one place for producers and consumers."""

EVENTS = "kansa.events.v1"
ALERTS = "kansa.alerts.v1"
DEAD_LETTER = "kansa.dlq.v1"
REFERENCE = "kansa.reference.v1"


def event_key(tenant: str, partition_actor: str) -> bytes:
    """Events are keyed by tenant + the staff member they are about, so one person's events keep their order."""
    return f"{tenant}|{partition_actor}".encode()
