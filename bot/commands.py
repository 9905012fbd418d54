"""What each `liaison` command does but `web` (bot/cli.py parses the command line and imports
this module only for these commands)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta

from bot.config import ConfigError, LiaisonConfig, dump_config_data, load_config
from bot.db.migrate import upgrade
from bot.db.session import reading
from bot.domain.metrics import compute_stats
from bot.http_server import prepare, serve_http
from bot.jobs.digest import post_digests
from bot.jobs.nudges import describe, send_nudges
from bot.jobs.reconcile import reconcile_cards
from bot.runtime import Runtime
from bot.serve import serve_socket_mode, serve_worker
from bot.settings import Settings
from bot.slack.blocks.digest import digest_message
from bot.slack.manifest import bot_scopes
from bot.slack.online_check import check_online
from bot.wiring import build_runtime, listener_client


def _job_runtime(settings: Settings, dry_run: bool) -> Runtime:
    if not dry_run:
        settings.require_slack_credentials()
    return build_runtime(settings)


def digest(settings: Settings, args: argparse.Namespace) -> int:
    runtime = _job_runtime(settings, args.dry_run)
    outcomes = post_digests(runtime, at=args.at, channel=args.channel, dry_run=args.dry_run)
    for outcome in outcomes:
        facts = outcome.facts
        state = "posted" if outcome.posted else "would post"
        print(f"{facts.channel} ({facts.scheduled_for.isoformat()}): {state}")
        if args.dry_run:
            print(digest_message(facts.payload)["text"])
    if not outcomes:
        print("No digest is due (or it was already posted).")
    return 0


def stats(settings: Settings, args: argparse.Namespace) -> int:
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


def nudge(settings: Settings, args: argparse.Namespace) -> int:
    result = send_nudges(_job_runtime(settings, args.dry_run), at=args.at, dry_run=args.dry_run)
    for line in describe(result):
        print(line)
    verb = "would send" if args.dry_run else "sent"
    print(f"{len(result.nudges)} nudges; {verb} {result.messages} messages.")
    return 0


def reconcile(settings: Settings, args: argparse.Namespace) -> int:
    # Even a dry run reads the cards' reactions from Slack.
    settings.require_slack_credentials()
    report = reconcile_cards(_job_runtime(settings, args.dry_run), dry_run=args.dry_run)
    for line in report.lines():
        print(line)
    verb = "would apply" if args.dry_run else "applied"
    later = f"; {report.unchecked} left for the next run" if report.unchecked else ""
    print(f"{report.checked} cards checked{later}; {verb} {len(report.changes)} changes.")
    return 0


def db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    upgrade(settings.database_url)
    print("Database is up to date.")
    return 0


def config_export(settings: Settings, args: argparse.Namespace) -> int:
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


def check_config(settings: Settings, args: argparse.Namespace) -> int:
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


def run(settings: Settings, args: argparse.Namespace) -> int:
    prepare(settings)
    upgrade(settings.database_url)
    if settings.socket_mode:
        serve_socket_mode(settings)
    else:
        serve_http(settings, workers=1, with_scheduler=True)
    return 0


def worker(settings: Settings, args: argparse.Namespace) -> int:
    settings.require_slack_credentials()
    serve_worker(settings)
    return 0
