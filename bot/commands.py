"""What each `liaison` command does but `web` (bot/cli.py parses the command line and imports
this module only for these commands)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import UTC, datetime, timedelta

from bot.config import ConfigError, LiaisonConfig, dump_config_data, load_config
from bot.db.migrate import upgrade
from bot.db.session import make_engine, make_session_factory, reading, transaction
from bot.domain.metrics import compute_stats
from bot.domain.trends import CSV_COLUMNS, compute_trends
from bot.domain.workspaces import purge_workspace, workspace_summary
from bot.http_server import prepare, serve_http
from bot.jobs.digest import post_digests
from bot.jobs.nudges import describe, send_nudges
from bot.jobs.reconcile import reconcile_cards
from bot.jobs.trends import post_trends
from bot.runtime import Runtime
from bot.serve import serve_socket_mode, serve_worker
from bot.settings import Settings
from bot.slack.blocks.digest import digest_text
from bot.slack.blocks.trends import trends_message
from bot.slack.installations import forget_team
from bot.slack.manifest import bot_scopes
from bot.slack.online_check import check_online
from bot.slack.teams import served_clients
from bot.trackers.online_check import check_trackers
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
            print(digest_text(facts.payload))
    if not outcomes:
        print("No digest is due (or it was already posted).")
    return 0


def trends(settings: Settings, args: argparse.Namespace) -> int:
    outcomes = post_trends(_job_runtime(settings, args.dry_run), at=args.at, dry_run=args.dry_run)
    for outcome in outcomes:
        state = "posted" if outcome.posted else "would post"
        print(f"{outcome.channel} ({outcome.scheduled_for.isoformat()}): {state}")
        if args.dry_run:
            print(trends_message(outcome.payload)["text"])
    if not outcomes:
        print("No monthly trends are due (or they were already posted).")
    return 0


def stats(settings: Settings, args: argparse.Namespace) -> int:
    if args.weeks is not None or args.csv:
        return _weekly_stats(settings, args)
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
                by_type=args.by_type,
            )
    for pair in pairs:
        figures = pair.as_json()
        if args.json:
            print(json.dumps(figures, sort_keys=False))
        else:
            kind = f" ({figures['type'] or 'no type'})" if args.by_type else ""
            print(f"{pair.requesting} → {pair.fulfilling}{kind}")
            for key, value in figures.items():
                print(f"  {key}: {value}")
    runtime.engine.dispose()
    return 0


def _weekly_stats(settings: Settings, args: argparse.Namespace) -> int:
    """The Trends page's series: for each workspace, the whole of it, then each pair."""
    at = args.at or datetime.now(UTC)
    weeks = 12 if args.weeks is None else args.weeks
    if weeks < 1:
        print("--weeks must be at least 1", file=sys.stderr)
        return 2
    runtime = build_runtime(settings)
    writer = csv.DictWriter(sys.stdout, fieldnames=CSV_COLUMNS) if args.csv else None
    if writer is not None:
        writer.writeheader()
    for workspace in runtime.workspace_settings.configured_workspaces():
        config = workspace.config
        pairs = [
            (r.key, f.key)
            for r in config.requesting_departments()
            for f in config.fulfilling_departments()
            if r.key != f.key
        ]
        with reading(runtime.sessions) as session:
            found = compute_trends(
                session,
                config=config,
                at=at,
                workspace_id=workspace.workspace_id,
                pairs=[None, *pairs],
                weeks=weeks,
            )
        for trends in found:
            if writer is not None:
                writer.writerows(trends.csv_rows(workspace.team_id))
                continue
            scope = " → ".join(trends.pair) if trends.pair else "All departments"
            print(f"{workspace.team_id} {scope}")
            for sentence in trends.sentences.values():
                print(f"  {sentence}")
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


def workspace_purge(settings: Settings, args: argparse.Namespace) -> int:
    team_id = args.team_id.strip()
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            summary = workspace_summary(session, team_id=team_id)
            if not args.yes:
                if not summary:
                    print(f"Liaison keeps no requests or departments for workspace {team_id}.")
                else:
                    kept = ", ".join(f"{count} {name}" for name, count in summary.items())
                    print(f"Workspace {team_id}: {kept}, and everything about them.")
                print("Nothing was deleted. To delete it for good, run again with --yes.")
                return 2
            deleted = purge_workspace(session, team_id=team_id)
            tokens = forget_team(session, team_id=team_id)
    finally:
        engine.dispose()
    if tokens:
        deleted["installations and bot tokens"] = tokens
    if not deleted:
        print(f"Liaison kept nothing for workspace {team_id}.")
        return 0
    print(f"Deleted workspace {team_id}:")
    for name, count in deleted.items():
        print(f"  {name}: {count}")
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
    if settings.oauth_enabled and (config.departments or config.digests):
        print(
            "  Installed through OAuth: its departments and digests are ignored (each workspace "
            "is set up in Slack); the file gives the other defaults."
        )
    elif not config.departments:
        print("  No departments: each workspace is set up in Slack; the file gives its defaults.")
    return 0


def _check_config_online(settings: Settings, config: LiaisonConfig) -> None:
    """Raise ConfigError naming every problem Slack reveals; print what is fine. In
    multi-workspace mode, each installed workspace's own settings are checked with its token."""
    settings.require_slack_credentials()
    checked: list[tuple[str, LiaisonConfig]] = []  # (team, its settings) of each report
    try:
        if settings.oauth_enabled:
            runtime = build_runtime(settings)
            served = served_clients(runtime)
            checked = [(team, runtime.config_for(team)) for team, _ in served]
            reports = [
                (team, check_online(client, linked, bot_scopes()))
                for (team, client), (_, linked) in zip(served, checked, strict=True)
            ]
            runtime.engine.dispose()
            if not reports:
                print("  no workspace has installed Liaison yet: nothing to ask Slack")
        else:
            checked = [("", config)]
            reports = [("", check_online(listener_client(settings), config, bot_scopes()))]
    except (OSError, TimeoutError) as error:
        problem = f"cannot reach Slack at {settings.slack_api_url}: {error}"
        raise ConfigError([problem], "Slack") from error
    problems = []
    for (team, report), (_, linked) in zip(reports, checked, strict=True):
        # The trackers the workspace links: credentials from the environment, targets there.
        trackers = check_trackers(linked, settings)
        report.notes += trackers.notes
        report.problems += trackers.problems
        where = f"workspace {team}: " if team else ""
        for note in report.notes:
            print(f"  {where}{note}")
        problems += [f"{where}{problem}" for problem in report.problems]
    if problems:
        raise ConfigError(problems, str(settings.liaison_config))


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
