"""Scan what the pipeline wrote for valid 12-digit personal numbers."""

from __future__ import annotations

import json

from elasticsearch import Elasticsearch, helpers
from kafka import KafkaConsumer

from kansa_schemas import mynumber


def personal_numbers_in_topics(bootstrap: str, prefix: str) -> list[str]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False,
                             group_id=None, consumer_timeout_ms=3000)
    findings: list[str] = []
    scanned = 0
    try:
        topics = sorted(t for t in consumer.topics() if t.startswith(prefix))
        assert topics, f"no topic starts with {prefix}"
        consumer.subscribe(topics)
        for record in consumer:
            scanned += 1
            blobs = [record.value or b"", record.key or b""] + [v for _, v in record.headers]
            for blob in blobs:
                if mynumber.contains_personal_number(blob.decode("utf-8", errors="replace")):
                    findings.append(f"{record.topic}[{record.partition}]@{record.offset}")
    finally:
        consumer.close()
    assert scanned > 0, "scanned no record at all"
    return findings


def personal_numbers_in_indices(es: Elasticsearch, pattern: str) -> list[str]:
    findings: list[str] = []
    scanned = 0
    for hit in helpers.scan(es, index=pattern, query={"query": {"match_all": {}}}):
        scanned += 1
        if mynumber.contains_personal_number(json.dumps(hit["_source"], ensure_ascii=False)):
            findings.append(f"{hit['_index']}/{hit['_id']}")
    assert scanned > 0, f"no document in {pattern}"
    return findings
