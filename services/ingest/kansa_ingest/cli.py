"""`kansa ingest serve | file`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from kansa_ingest.api import create_app
from kansa_ingest.files import ingest_file
from kansa_ingest.publisher import KafkaPublisher
from kansa_ingest.settings import IngestSettings, SourceCredential
from kansa_ingest.validate import Ingestor
from kansa_schemas.topics import ensure_topics

app = typer.Typer(help="Accept events: HTTP batch API and NDJSON files.", no_args_is_help=True)


def _ingestor(settings: IngestSettings) -> tuple[Ingestor, KafkaPublisher]:
    ensure_topics(settings.kafka.bootstrap, [settings.kafka.events_topic, settings.kafka.dead_letter_topic],
                  settings.kafka.partitions, settings.kafka.replication_factor)
    publisher = KafkaPublisher(settings.kafka)
    return Ingestor(settings, publisher), publisher


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8088)")] = None,
) -> None:
    """Serve POST /v1/events and /metrics."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = IngestSettings()
    ingestor, publisher = _ingestor(settings)
    try:
        uvicorn.run(create_app(settings, ingestor), host=host or settings.api.host, port=port or settings.api.port,
                    log_level="info", access_log=False)
    finally:
        publisher.close()


@app.command("file")
def file_command(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="NDJSON file, one event per line")],
    tenant: Annotated[str, typer.Option(help="Tenant (municipality code) the file belongs to")],
) -> None:
    """Validate, mask and publish an NDJSON file; rejected lines go to the dead-letter topic."""
    settings = IngestSettings()
    ingestor, publisher = _ingestor(settings)
    try:
        summary = ingest_file(path, ingestor, SourceCredential(tenant=tenant))
    finally:
        publisher.close()
    typer.echo(f"{summary.path}: {summary.lines} lines, {summary.accepted} accepted, {summary.rejected} rejected "
               f"(dead-letter topic {settings.kafka.dead_letter_topic}), {summary.retry} not acknowledged")
    for error in summary.first_errors:
        details = "; ".join(f"{e.path}: {e.message}" for e in error.errors)
        typer.echo(f"  line {error.index}: {details}")
    if summary.retry:
        raise typer.Exit(code=1)
