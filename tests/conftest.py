"""Shared fixtures. Integration tests run on the real local stack (deploy/local), started once per session."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from elasticsearch import Elasticsearch
from kafka import KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Stack:
    kafka_bootstrap: str
    elasticsearch_url: str
    es: Elasticsearch
    run_id: str

    def topic(self, name: str) -> str:
        """A topic name private to this test session, so reruns never read old records."""
        return f"test.{self.run_id}.{name}"


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    from kansa_cli.stack import up

    endpoints = up()
    es = Elasticsearch(endpoints.elasticsearch_url)
    yield Stack(endpoints.kafka_bootstrap, endpoints.elasticsearch_url, es, uuid.uuid4().hex[:10])
    es.close()


def consume(bootstrap: str, topic: str, expected: int, timeout: float = 60.0,
            alive: Callable[[], None] | None = None) -> list[ConsumerRecord]:
    """Read a topic from the start until `expected` records arrived (then a short drain for extras).
    `alive` is called between polls so a crashed producer process fails the test at once."""
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             enable_auto_commit=False, group_id=None, consumer_timeout_ms=1000)
    records: list[ConsumerRecord] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if alive is not None:
                alive()
            batch = consumer.poll(timeout_ms=500)
            for items in batch.values():
                records.extend(items)
            if len(records) >= expected:
                # One more poll so that surplus records (a bug) are seen, not hidden.
                for items in consumer.poll(timeout_ms=1000).values():
                    records.extend(items)
                break
    finally:
        consumer.close()
    return records
