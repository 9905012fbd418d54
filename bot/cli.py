"""The `liaison` command."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.config import ConfigError, LiaisonConfig, dump_config_data, load_config
from bot.db.migrate import upgrade
from bot.db.session import reading
from bot.domain.metrics import compute_stats
from bot.jobs.digest import post_digests
from bot.jobs.nudges import describe, send_nudges
from bot.jobs.reconcile import reconcile_cards
from bot.logs import configure_logging
from bot.runtime import Runtime
from bot.serve import serve_http, serve_socket_mode, serve_worker
from bot.settings import MissingCredentials, Settings
from bot.slack.blocks.digest import digest_text
from bot.slack.manifest import bot_scopes
from bot.slack.online_check import check_online
from bot.wiring import build_runtime, listener_client


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        return int(args.handler(settings, args) or 0)
    except MissingCredentials as error:
        print(error, file=sys.stderr)
        return 2
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="liaison", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="web server and scheduler in one process").set_defaults(
        handler=_run
    )
    commands.add_parser("web", help="the HTTP server only").set_defaults(handler=_web)
    commands.add_parser("worker", help="the scheduler only").set_defaults(handler=_worker)
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply pending migrations").set_defaults(
        handler=_db_upgrade
    )
    config = commands.add_parser("config", help="a workspace's settings")
    config_commands = config.add_subparsers(dest="config_command", required=True)
    export = config_commands.add_parser(
        "export", help="print a workspace's settings in the config file's shape (TOML)"
    )
    export.add_argument("--team", help="the workspace's team id (default: the only one)")
    export.set_defaults(handler=_config_export)
    check = commands.add_parser("check-config", help="validate the configuration file")
    check.add_argument(
        "--online",
        action="store_true",
        help="also ask Slack: the token's scopes, every channel, user and user group named",
    )
    check.set_defaults(handler=_check_config)
    nudge = commands.add_parser("nudge", help="send the reminders that are due")
    _add_at(nudge)
    nudge.add_argument("--dry-run", action="store_true", help="print, send nothing")
    nudge.set_defaults(handler=_nudge)
    digest = commands.add_parser("digest", help="post the weekly digests that are due")
    digest.add_argument("--channel", help="only the digest for this channel")
    _add_at(digest)
    digest.add_argument("--dry-run", action="store_true", help="print, post nothing")
    digest.set_defaults(handler=_digest)
    reconcile = commands.add_parser(
        "reconcile", help="apply reactions and replies on open cards that were missed"
    )
    reconcile.add_argument("--dry-run", action="store_true", help="print, change nothing")
    reconcile.set_defaults(handler=_reconcile)
    stats = commands.add_parser("stats", help="the digest's figures as JSON")
    _add_at(stats)
    stats.add_argument("--days", type=int, default=7, help="length of the period (default 7)")
    stats.add_argument("--json", action="store_true", help="one JSON object per department pair")
    stats.set_defaults(handler=_stats)
    return parser


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _add_at(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--at", type=_instant, help="run as if it were this instant (ISO 8601; UTC if no offset)"
    )


def _job_runtime(settings: Settings, dry_run: bool) -> Runtime:
    if not dry_run:
        settings.require_slack_credentials()
    return build_runtime(settings)


def _digest(settings: Settings, args: argparse.Namespace) -> int:
    runtime = _job_runtime(settings, args.dry_run)
    outcomes = post_digests(runtime, at=args.at, channel=args.channel, dry_run=args.dry_run)
    for outcome in outcomes:
        facts = outcome.facts
        state = "posted" if outcome.posted else "would post"
        print(f"{facts.channel} ({facts.scheduled_for.isoformat()}): {state}")
        if args.dry_run:
            print(digest_text(facts.payload))
    if not outcomes:
        print("No digest is due (or it was already posted).")
    return 0


def _stats(settings: Settings, args: argparse.Namespace) -> int:
    end = args.at or datetime.now(UTC)
    runtime = build_runtime(settings)
    pairs = []
    for workspace in runtime.workspace_settings.configured_workspaces():
        with reading(runtime.sessions) as session:
            pairs += compute_stats(
                session,
                config=workspace.config,
                workspace_id=workspace.workspace_id,
                start=end - timedelta(days=args.days),
                end=end,
            )
    for pair in pairs:
        figures = pair.as_json()
        if args.json:
            print(json.dumps(figures, sort_keys=False))
        else:
            print(f"{pair.requesting} → {pair.fulfilling}")
            for key, value in figures.items():
                print(f"  {key}: {value}")
    runtime.engine.dispose()
    return 0


def _nudge(settings: Settings, args: argparse.Namespace) -> int:
    result = send_nudges(_job_runtime(settings, args.dry_run), at=args.at, dry_run=args.dry_run)
    for line in describe(result):
        print(line)
    verb = "would send" if args.dry_run else "sent"
    print(f"{len(result.nudges)} nudges; {verb} {result.messages} messages.")
    return 0


def _reconcile(settings: Settings, args: argparse.Namespace) -> int:
    # Even a dry run reads the cards' reactions from Slack.
    settings.require_slack_credentials()
    report = reconcile_cards(_job_runtime(settings, args.dry_run), dry_run=args.dry_run)
    for line in report.lines():
        print(line)
    verb = "would apply" if args.dry_run else "applied"
    later = f"; {report.unchecked} left for the next run" if report.unchecked else ""
    print(f"{report.checked} cards checked{later}; {verb} {len(report.changes)} changes.")
    return 0


def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    upgrade(settings.database_url)
    print("Database is up to date.")
    return 0


def _config_export(settings: Settings, args: argparse.Namespace) -> int:
    """Print the settings as a config file: LIAISON_CONFIG pointing at it changes nothing."""
    runtime = build_runtime(settings)
    team = args.team
    if team is None:
        teams = runtime.workspace_settings.teams()
        if len(teams) > 1:
            print(
                f"Several workspaces ({', '.join(teams)}): choose one with --team.", file=sys.stderr
            )
            return 2
        team = teams[0] if teams else None
    if team is None:
        current = runtime.workspace_settings.defaults
        print("# No workspace has used Liaison yet: the defaults.")
    else:
        current = runtime.workspace_settings.current(team).document
        print(f"# Liaison's settings for the Slack workspace {team}.")
    print(dump_config_data(current), end="")
    runtime.engine.dispose()
    return 0


def _check_config(settings: Settings, args: argparse.Namespace) -> int:
    config = load_config(settings.liaison_config)
    if args.online:
        _check_config_online(settings, config)
    print(
        f"{settings.liaison_config}: OK ({len(config.departments)} departments, "
        f"{len(config.digests)} digests)"
    )
    if not config.departments:
        print("  No departments: each workspace is set up in Slack; the file gives its defaults.")
    return 0


def _check_config_online(settings: Settings, config: LiaisonConfig) -> None:
    """Raise ConfigError naming every problem Slack reveals; print what is fine."""
    settings.require_slack_credentials()
    try:
        report = check_online(listener_client(settings), config, bot_scopes())
    except (OSError, TimeoutError) as error:
        problem = f"cannot reach Slack at {settings.slack_api_url}: {error}"
        raise ConfigError([problem], "Slack") from error
    for note in report.notes:
        print(f"  {note}")
    if report.problems:
        raise ConfigError(report.problems, str(settings.liaison_config))


def _prepare(settings: Settings) -> None:
    settings.require_slack_credentials()
    # A config file that does not validate fails here, before workers are forked; no file at
    # all is a first run (workspaces are set up in Slack).
    if settings.liaison_config.exists():
        load_config(settings.liaison_config)


def _run(settings: Settings, args: argparse.Namespace) -> int:
    _prepare(settings)
    upgrade(settings.database_url)
    if settings.socket_mode:
        serve_socket_mode(settings)
    else:
        serve_http(settings, workers=1, with_scheduler=True)
    return 0


def _web(settings: Settings, args: argparse.Namespace) -> int:
    _prepare(settings)
    serve_http(settings, workers=settings.web_concurrency, with_scheduler=False)
    return 0


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    settings.require_slack_credentials()
    serve_worker(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
