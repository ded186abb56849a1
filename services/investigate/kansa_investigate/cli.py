"""`kansa api serve` and `kansa api token create`."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
import uvicorn
from elasticsearch import Elasticsearch

from kansa_investigate import tokens
from kansa_investigate.app import create_app
from kansa_investigate.audit import KafkaAuditSink
from kansa_investigate.settings import InvestigateSettings

app = typer.Typer(help="The investigation API for security officers (search, histories, alert triage).",
                  no_args_is_help=True)
token_app = typer.Typer(help="API tokens (stored hashed; shown once when created).", no_args_is_help=True)
app.add_typer(token_app, name="token")


@app.command("serve")
def serve(host: Annotated[str | None, typer.Option(help="Default 127.0.0.1 (KANSA_INVESTIGATE__HOST).")] = None,
          port: Annotated[int | None, typer.Option(help="Default 8090 (KANSA_INVESTIGATE__PORT).")] = None) -> None:
    """Serve the API and the officers' web page (/ui). Every request is audited through Kafka."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = InvestigateSettings()
    es = Elasticsearch(settings.elasticsearch.url, request_timeout=settings.elasticsearch.request_timeout)
    audit = KafkaAuditSink(settings.kafka.bootstrap, settings.kafka.events_topic, settings.kafka.audit_send_timeout_s)
    try:
        # uvicorn's own access log would print raw URLs; the app writes a masked one instead.
        uvicorn.run(create_app(settings, es, audit), host=host or settings.investigate.host,
                    port=port or settings.investigate.port, access_log=False, log_level="info")
    finally:
        audit.close()


@token_app.command("create")
def create_token(
    user: Annotated[str, typer.Option(help="The officer's user id; their audit events name it.")],
    role: Annotated[tokens.Role, typer.Option(help="viewer, officer or admin.")],
    tenant: Annotated[list[str], typer.Option(help="A tenant the token may read; repeat for several.")],
    label: Annotated[str, typer.Option(help="A note for the token file.")] = "",
) -> None:
    """Issue a token: its SHA-256 goes to the token file; the token itself is printed once, here."""
    settings = InvestigateSettings()
    token = tokens.issue(settings.tokens_file, user, role, tuple(tenant), label)
    typer.echo(token)
    typer.echo(f"stored hashed in {settings.tokens_file}; this is the only time the token is shown", err=True)
