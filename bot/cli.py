"""The `liaison` command. A command's code (bot/commands.py) is imported only when that command
runs, so that `liaison web`'s own process, which starts and watches the worker processes, loads
hypercorn and the settings and nothing else: each worker imports the app itself (bot/serve.py)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from bot.config import ConfigError
from bot.http_server import prepare, serve_http
from bot.logs import configure_logging
from bot.settings import MissingCredentials, Settings

Handler = Callable[[Settings, argparse.Namespace], int | None]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        return int(_handler(args.handler)(settings, args) or 0)
    except MissingCredentials as error:
        print(error, file=sys.stderr)
        return 2
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2


def _handler(handler: str | Handler) -> Handler:
    """A handler of this module, or the function of bot/commands.py named `handler`."""
    if callable(handler):
        return handler
    command: Handler = getattr(importlib.import_module("bot.commands"), handler)
    return command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="liaison", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="web server and scheduler in one process").set_defaults(
        handler="run"
    )
    commands.add_parser("web", help="the HTTP server only").set_defaults(handler=_web)
    commands.add_parser("worker", help="the scheduler only").set_defaults(handler="worker")
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply pending migrations").set_defaults(
        handler="db_upgrade"
    )
    config = commands.add_parser("config", help="a workspace's settings")
    config_commands = config.add_subparsers(dest="config_command", required=True)
    export = config_commands.add_parser(
        "export", help="print a workspace's settings in the config file's shape (TOML)"
    )
    export.add_argument("--team", help="the workspace's team id (default: the only one)")
    export.set_defaults(handler="config_export")
    check = commands.add_parser("check-config", help="validate the configuration file")
    check.add_argument(
        "--online",
        action="store_true",
        help="also ask Slack: the token's scopes, every channel, user and user group named",
    )
    check.set_defaults(handler="check_config")
    nudge = commands.add_parser("nudge", help="send the reminders that are due")
    _add_at(nudge)
    nudge.add_argument("--dry-run", action="store_true", help="print, send nothing")
    nudge.set_defaults(handler="nudge")
    digest = commands.add_parser("digest", help="post the weekly digests that are due")
    digest.add_argument("--channel", help="only the digest for this channel")
    _add_at(digest)
    digest.add_argument("--dry-run", action="store_true", help="print, post nothing")
    digest.set_defaults(handler="digest")
    trends = commands.add_parser(
        "trends", help="post the monthly trends that are due (the 1st, at each digest's time)"
    )
    _add_at(trends)
    trends.add_argument("--dry-run", action="store_true", help="print, post nothing")
    trends.set_defaults(handler="trends")
    reconcile = commands.add_parser(
        "reconcile", help="apply reactions and replies on open cards that were missed"
    )
    reconcile.add_argument("--dry-run", action="store_true", help="print, change nothing")
    reconcile.set_defaults(handler="reconcile")
    workspace = commands.add_parser("workspace", help="the workspaces Liaison keeps data for")
    workspace_commands = workspace.add_subparsers(dest="workspace_command", required=True)
    purge = workspace_commands.add_parser(
        "purge", help="delete everything Liaison keeps about a workspace (after it uninstalled)"
    )
    purge.add_argument("team_id", help="the workspace's Slack team id (T...)")
    purge.add_argument(
        "--yes", action="store_true", help="delete it (without it, only say what would go)"
    )
    purge.set_defaults(handler="workspace_purge")
    stats = commands.add_parser("stats", help="the digest's figures as JSON")
    _add_at(stats)
    stats.add_argument("--days", type=int, default=7, help="length of the period (default 7)")
    stats.add_argument("--json", action="store_true", help="one JSON object per department pair")
    stats.add_argument(
        "--by-type",
        action="store_true",
        help="split the figures by request type: one row per department pair and type",
    )
    stats.add_argument(
        "--weeks",
        type=int,
        help="the Trends page's weekly series for this many whole weeks (organization's zone)",
    )
    stats.add_argument(
        "--csv", action="store_true", help="with --weeks: one CSV row per week and scope"
    )
    stats.set_defaults(handler="stats")
    return parser


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _add_at(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--at", type=_instant, help="run as if it were this instant (ISO 8601; UTC if no offset)"
    )


def _web(settings: Settings, args: argparse.Namespace) -> int:
    prepare(settings)  # before starting workers
    serve_http(settings, workers=settings.web_concurrency, with_scheduler=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
