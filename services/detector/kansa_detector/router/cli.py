"""`kansa router ...`."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Annotated

import typer
from prometheus_client import start_http_server

app = typer.Typer(help="Alert routing to webhook, e-mail and chat.", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Alert routing to webhook, e-mail and chat."""


@app.command()
def run() -> None:
    """Route every alert to its tenant's routes (deploy/tenants/<code>/routes.yaml) until SIGTERM."""
    from kansa_detector.router.config import RouteConfigError, load_routes
    from kansa_detector.router.senders import Senders, SmtpSettings
    from kansa_detector.router.service import Router
    from kansa_detector.router.settings import RouterSettings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = RouterSettings()
    try:
        routes = load_routes(settings.tenants_dir)
    except RouteConfigError as exc:
        # Running with a route missing would drop its alerts silently.
        typer.echo(f"kansa router: routes do not load, fix them first:\n{exc}", err=True)
        raise typer.Exit(2) from exc
    if not routes:
        typer.echo(f"kansa router: no {settings.tenants_dir}/<tenant>/routes.yaml: nothing would be delivered",
                   err=True)
        raise typer.Exit(2)
    senders = Senders(SmtpSettings(settings.smtp_host, settings.smtp_port, settings.smtp_sender,
                                   settings.smtp_timeout_s), settings.alert_base_url, settings.http_timeout_s)
    router = Router(settings, routes, senders.send)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    start_http_server(settings.router_metrics_port, addr=settings.metrics_host)
    typer.echo(f"kansa router: {sum(len(t.routes) for t in routes.values())} route(s) for "
               f"{', '.join(sorted(routes))}", err=True)
    try:
        router.run(stop)
    finally:
        senders.close()


@app.command("dead-letters")
def dead_letters(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per dead letter.")] = False,
) -> None:
    """List the alerts the router gave up on (route, alert, attempts, last error), oldest first."""
    from kansa_detector.router.service import read_dead_letters
    from kansa_detector.router.settings import RouterSettings

    letters = read_dead_letters(RouterSettings())
    for letter in letters:
        if as_json:
            typer.echo(letter.model_dump_json())
        elif letter.item is None:
            typer.echo(f"-  -  (unreadable record)  {letter.error}")
        else:
            item = letter.item
            typer.echo(f"{item.tenant}  {item.route}  {item.alert.alert_id}  {item.alert.rule_id}  "
                       f"attempts={item.attempt}  {letter.error}")
    typer.echo(f"{len(letters)} dead letter(s)", err=True)
