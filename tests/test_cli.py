"""The `liaison` command: start-up checks, configuration checks, and serving over HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bot.cli import main
from bot.settings import Settings
from bot.wiring import build_runtime
from tests.conftest import DEFAULT_CONFIG, SALES_REP, SIGNING_SECRET, TEAM_ID
from tests.fakes.signer import SlackClientSim
from tests.served import serve

SLACK_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
)


@pytest.fixture
def bare_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in (*SLACK_VARIABLES, "DATABASE_URL", "LIAISON_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    return tmp_path


def test_starting_without_credentials_says_what_to_set(
    bare_environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run"]) == 2
    message = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in message and "SLACK_SIGNING_SECRET" in message
    assert "manifest.yml" in message and "OAuth & Permissions" in message
    assert not (bare_environment / "liaison.db").exists()  # nothing started


def test_check_config_accepts_the_example_file(
    bare_environment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    example = Path(__file__).parents[1] / "config/liaison.example.toml"
    monkeypatch.setenv("LIAISON_CONFIG", str(example))
    assert main(["check-config"]) == 0
    assert "OK" in capsys.readouterr().out


def test_check_config_accepts_a_file_without_departments_and_says_what_it_means(
    bare_environment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bare_environment / "defaults.toml"
    path.write_text('[organization]\ntimezone = "Europe/Berlin"\n')
    monkeypatch.setenv("LIAISON_CONFIG", str(path))
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert "OK (0 departments, 0 digests)" in out and "set up in Slack" in out


def test_check_config_names_each_problem_with_its_place(
    bare_environment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bare_environment / "broken.toml"
    path.write_text(
        DEFAULT_CONFIG.replace('"Europe/Berlin"', '"Mars/Base"')
        .replace('departments = ["sales", "eng"]', 'departments = ["sales", "ops"]')
        .replace('role = "requester"', 'role = "requester"\ncolour = "blue"')
    )
    monkeypatch.setenv("LIAISON_CONFIG", str(path))
    assert main(["check-config"]) == 2
    err = capsys.readouterr().err
    assert 'timezone: unknown time zone "Mars/Base"' in err
    assert 'unknown department "ops"' in err
    assert "colour: unknown key" in err


def test_liaison_web_serves_slack_and_health_over_http(tmp_path: Path) -> None:
    """The production server (hypercorn, several workers) answers health checks and Slack."""
    with serve(tmp_path, "web", WEB_CONCURRENCY="2") as served:
        health = httpx.get(f"{served.url}/healthz")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        unsigned = httpx.post(f"{served.url}/slack/events", content=b"{}")
        assert unsigned.status_code == 401
    assert served.stderr.count("Running on http://") == 2  # two workers, not a development server


def test_liaison_run_starts_with_no_config_file_and_says_it_is_not_set_up(
    tmp_path: Path,
) -> None:
    """A first run: no config file at all (LIAISON_CONFIG names none)."""
    with serve(tmp_path, "run", config_text=None) as served:
        assert httpx.get(f"{served.url}/healthz").status_code == 200
        slack = SlackClientSim(
            served.url,
            SIGNING_SECRET,
            team_id=TEAM_ID,
            response_url_base=served.fake.root_url,
            workspace=served.fake,
        )
        assert slack.command(SALES_REP, "A thing").status_code == 200
        [answer] = served.fake.wait_for("response_url")
        assert "isn't set up" in answer.params["text"]
    assert "Traceback" not in served.stderr


def test_config_export_prints_the_settings_as_a_config_file(
    bare_environment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import tomllib

    from bot.db.migrate import upgrade

    url = f"sqlite:///{bare_environment / 'ops.db'}"
    upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["config", "export"]) == 0  # nothing set up: the built-in defaults
    assert tomllib.loads(capsys.readouterr().out) == {}

    config = bare_environment / "liaison.toml"
    config.write_text(DEFAULT_CONFIG)
    monkeypatch.setenv("LIAISON_CONFIG", str(config))
    build_runtime(Settings()).workspace_settings.apply_file(TEAM_ID)
    assert main(["config", "export", "--team", TEAM_ID]) == 0
    exported = capsys.readouterr().out
    assert exported.startswith(f"# Liaison's settings for the Slack workspace {TEAM_ID}.")
    assert tomllib.loads(exported) == tomllib.loads(DEFAULT_CONFIG)
    assert main(["config", "export"]) == 0  # the only workspace
    assert capsys.readouterr().out == exported


def test_stats_nudge_and_digest_commands(
    bare_environment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operator commands run against a real database; --dry-run needs no Slack token."""
    import json

    from bot.db.migrate import upgrade

    config = bare_environment / "liaison.toml"
    config.write_text(DEFAULT_CONFIG)
    url = f"sqlite:///{bare_environment / 'ops.db'}"
    upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LIAISON_CONFIG", str(config))
    # As `liaison run` does at start for the bot token's workspace.
    build_runtime(Settings()).workspace_settings.apply_file(TEAM_ID)

    assert main(["stats", "--json", "--at", "2026-12-07T14:00:00+00:00", "--days", "14"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    figures = json.loads(line)
    assert list(figures) == [
        "requesting", "fulfilling", "period_start", "period_end", "opened", "claimed",
        "estimated", "committed", "delivered", "declined", "cancelled", "delivered_on_time",
        "on_time_rate", "median_hours_to_claim", "median_hours_to_estimate",
        "estimate_accuracy", "promised_before_estimate", "at_risk", "overdue", "open", "load",
        "filed_despite_warning", "by_type",
    ]  # fmt: skip
    assert figures["period_start"].startswith("2026-11-23") and figures["opened"] == 0

    assert main(["nudge", "--dry-run", "--at", "2026-12-07T14:00:00Z"]) == 0
    assert "0 nudges; would send 0 messages." in capsys.readouterr().out
    assert main(["digest", "--dry-run", "--at", "2026-12-03T14:00:00Z"]) == 0  # a Thursday
    assert "No digest is due" in capsys.readouterr().out
    # Monday 09:00 in New York: the headline, one line per pair, then the full figures.
    assert main(["digest", "--dry-run", "--at", "2026-12-07T14:00:00Z"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].endswith("would post")
    assert printed[1] == "Weekly digest 2026-11-30 – 2026-12-07."
    assert printed[2].startswith("A steady week: no figure moved")
    assert printed[4] == (
        "Sales → Engineering: 0 opened · 0 delivered · on time — · 0 overdue · 0 at risk"
    )
    assert "Full figures, 2026-11-30 – 2026-12-07." in printed
    assert "Median hours to claim: — (last week —)" in printed
    assert main(["nudge"]) == 2  # sending needs the Slack credentials
    assert "SLACK_BOT_TOKEN" in capsys.readouterr().err


def test_stats_weeks_csv_exports_the_trends_series(
    bare_environment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import csv

    from bot.db.migrate import upgrade
    from bot.domain.trends import CSV_COLUMNS

    config = bare_environment / "liaison.toml"
    config.write_text(DEFAULT_CONFIG)
    url = f"sqlite:///{bare_environment / 'ops.db'}"
    upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LIAISON_CONFIG", str(config))
    build_runtime(Settings()).workspace_settings.apply_file(TEAM_ID)

    assert main(["stats", "--weeks", "12", "--csv", "--at", "2026-12-07T14:00:00Z"]) == 0
    rows = list(csv.reader(capsys.readouterr().out.splitlines()))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert CSV_COLUMNS[3:] == (
        "week_start", "week_end", "on_time_rate", "delivered_with_date",
        "promised_before_estimate", "promised_slipped", "median_hours_to_first_response",
        "estimate_accuracy", "median_load_days", "over_1_5x_median_load",
    )  # fmt: skip
    # The whole workspace, then its one pair; twelve weeks each, in the organization's zone.
    assert len(rows) == 1 + 2 * 12
    assert rows[1][:5] == [TEAM_ID, "", "", "2026-09-14", "2026-09-21"]
    assert rows[13][:5] == [TEAM_ID, "sales", "eng", "2026-09-14", "2026-09-21"]
    assert rows[12][4] == "2026-12-07"
    assert main(["stats", "--weeks", "4", "--at", "2026-12-07T14:00:00Z"]) == 0
    assert "No delivery with a committed date in these weeks." in capsys.readouterr().out
    assert main(["stats", "--weeks", "0"]) == 2
    capsys.readouterr()

    assert main(["trends", "--dry-run", "--at", "2026-12-01T14:00:00Z"]) == 0
    out = capsys.readouterr().out
    assert "CSHARED (2026-12-01T09:00:00-05:00): would post" in out
    assert "Trends, last 12 weeks: No delivery with a committed date" in out
    assert main(["trends", "--dry-run", "--at", "2026-12-03T14:00:00Z"]) == 0
    assert "No monthly trends are due" in capsys.readouterr().out
    assert main(["trends"]) == 2  # posting needs the Slack credentials


def test_a_bot_token_and_oauth_settings_together_are_refused(
    bare_environment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setenv("SLACK_CLIENT_ID", "1.2")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "shh")
    assert main(["web"]) == 2
    assert "Choose one" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "told"),
    [
        ({"SLACK_APP_TOKEN": "xapp-1"}, "unset SLACK_APP_TOKEN"),
        ({}, "SLACK_SIGNING_SECRET is not set"),
    ],
)
def test_oauth_settings_need_the_http_server_and_the_signing_secret(
    bare_environment: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    extra: dict[str, str],
    told: str,
) -> None:
    monkeypatch.setenv("SLACK_CLIENT_ID", "1.2")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "shh")
    if extra:
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    assert main(["run"]) == 2
    assert told in capsys.readouterr().err
    assert not (bare_environment / "liaison.db").exists()  # nothing started


def test_check_config_names_request_type_problems_with_their_place(
    bare_environment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bare_environment / "types.toml"
    path.write_text(
        DEFAULT_CONFIG
        + """
[[request_types]]
department = "ops"
key = "bug"
name = "Bug"

[[request_types]]
department = "sales"
key = "lead"
name = "Lead"

[[request_types]]
department = "eng"
key = "data"
name = "Data"
fields = [
  { key = "format", label = "Format", kind = "select" },
  { key = "when", label = "When", kind = "someday" },
  { key = "format", label = "Format again", kind = "line" },
]

[[request_types]]
department = "eng"
key = "data"
name = "Data again"
"""
    )
    monkeypatch.setenv("LIAISON_CONFIG", str(path))
    assert main(["check-config"]) == 2
    err = capsys.readouterr().err
    for line in (
        '[[request_types]] #1 (key "bug") → department: unknown department "ops"',
        '[[request_types]] #2 (key "lead") → department: "sales" does not fulfil requests',
        '[[request_types]] #3 (key "data") → fields #1: a select field needs options',
        "[[request_types]] #3 (key \"data\") → fields #2.kind: Input should be 'text', 'line'",
        '[[request_types]] #3 (key "data") → fields #3.key: "format" is used by another field',
        '[[request_types]] #4 (key "data") → key: "data" is used by #3 too',
    ):
        assert line in err, err
