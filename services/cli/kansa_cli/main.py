"""The `kansa` command: mounts each service's own sub-commands."""

from __future__ import annotations

import typer

from kansa_cli import stack
from kansa_cli.demo import demo_command
from kansa_detector import cli as detector_cli
from kansa_detector import rules_cli
from kansa_detector.replay_cli import replay_command
from kansa_detector.router import cli as router_cli
from kansa_ingest import cli as ingest_cli
from kansa_ingest.simulator.cli import simulate_command
from kansa_investigate import cli as api_cli
from kansa_investigate import client_cli
from kansa_reporter import cli as reporter_cli

app = typer.Typer(help="kansa: audit-log and access monitoring for My Number business systems.",
                  no_args_is_help=True)
app.add_typer(stack.app, name="stack")
app.add_typer(ingest_cli.app, name="ingest")
app.add_typer(detector_cli.app, name="detector")
app.add_typer(rules_cli.app, name="rules")
app.add_typer(reporter_cli.app, name="report")
app.add_typer(reporter_cli.runner, name="reporter")
app.add_typer(router_cli.app, name="router")
app.add_typer(api_cli.app, name="api")
app.add_typer(client_cli.search_app, name="search")
app.add_typer(client_cli.alerts_app, name="alerts")
app.command("simulate")(simulate_command)
app.command("demo")(demo_command)
app.command("replay")(replay_command)

if __name__ == "__main__":
    app()
