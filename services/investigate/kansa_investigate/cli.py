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
    valid_days: Annotated[int | None, typer.Option(min=1, help="Refused after this many days; default: no expiry "
                                                               "(revoke it with `kansa api token revoke`).")] = None,
) -> None:
    """Issue a token: its SHA-256 goes to the token file; the token itself is printed once, here."""
    settings = InvestigateSettings()
    token = tokens.issue(settings.tokens_file, user, role, tuple(tenant), label, valid_days)
    typer.echo(token)
    typer.echo(f"stored hashed in {settings.tokens_file}; this is the only time the token is shown", err=True)


@token_app.command("list")
def list_tokens() -> None:
    """Every token: id (hash prefix), officer, role, tenants, created, expires, label. Never the token itself."""
    settings = InvestigateSettings()
    for record in tokens.load(settings.tokens_file).tokens:
        expires = record.expires_at.isoformat() if record.expires_at else "never"
        typer.echo(f"{record.token_id}  {record.user_id}  {record.role.value}  {','.join(record.tenants)}  "
                   f"created {record.created_at.isoformat()}  expires {expires}  {record.label}")


@token_app.command("revoke")
def revoke_token(token_id: Annotated[str, typer.Argument(help="The id `kansa api token list` shows.")]) -> None:
    """Remove a token: the API refuses it from its next request (the token file is re-read when it changes)."""
    settings = InvestigateSettings()
    try:
        removed = tokens.revoke(settings.tokens_file, token_id)
    except tokens.TokenFileError as error:
        typer.echo(f"kansa api token revoke: {error}", err=True)
        raise typer.Exit(2) from error
    typer.echo(f"revoked {removed.token_id} of {removed.user_id} ({removed.role.value})")
