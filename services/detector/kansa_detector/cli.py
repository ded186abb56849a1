"""`kansa detector run | index`."""

from __future__ import annotations

import logging
import os
import signal
from types import FrameType

import typer
from elasticsearch import Elasticsearch
from prometheus_client import start_http_server

from kansa_detector.settings import DetectorSettings
from kansa_schemas.topics import ensure_topics, partition_count

app = typer.Typer(help="Rule workers (faust) and the Elasticsearch indexer.", no_args_is_help=True)


@app.command()
def run() -> None:
    """Run the faust rule worker over the events topic; alerts go to the alerts topic."""
    import faust

    from kansa_detector.adapters.faust_app import DetectorApp
    from kansa_detector.reference_files import FileReferenceProvider
    from kansa_schemas.rule import load_catalogue, load_tenant_overrides

    settings = DetectorSettings()
    kafka = settings.kafka
    ensure_topics(kafka.bootstrap, [kafka.events_topic, kafka.alerts_topic, kafka.dead_letter_topic],
                  kafka.partitions, kafka.replication_factor)
    # Co-partitioning follows the events topic as it really is, which may predate these settings.
    partitions = partition_count(kafka.bootstrap, kafka.events_topic)
    if partitions != kafka.partitions:
        settings = settings.model_copy(update={"kafka": kafka.model_copy(update={"partitions": partitions})})
    # A broken rule file stops the worker here: running without a rule would be silent.
    catalogue = load_catalogue(settings.rules_dir, load_tenant_overrides(settings.tenants_dir))
    reference = FileReferenceProvider(settings.reference_dir,
                                      check_interval=settings.reference_check_interval_s)
    detector = DetectorApp(settings, catalogue, reference, tenants=reference.tenants())
    start_http_server(settings.detector_metrics_port, addr=settings.metrics_host)
    worker = faust.Worker(detector.app, loglevel=os.environ.get("KANSA_LOGLEVEL", "WARNING"))
    worker.execute_from_commandline()


@app.command()
def index() -> None:
    """Bulk-index events and alerts into Elasticsearch; offsets move only after Elasticsearch acknowledged."""
    from kansa_detector.adapters.es_sink import Indexer

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = DetectorSettings()
    kafka = settings.kafka
    ensure_topics(kafka.bootstrap, [kafka.events_topic, kafka.alerts_topic, kafka.dead_letter_topic],
                  kafka.partitions, kafka.replication_factor)
    es = Elasticsearch(settings.elasticsearch.url)
    indexer = Indexer(settings, es)

    def stop(signum: int, frame: FrameType | None) -> None:
        indexer.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    start_http_server(settings.indexer_metrics_port, addr=settings.metrics_host)
    indexer.run()
