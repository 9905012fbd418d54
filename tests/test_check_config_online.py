"""`liaison check-config --online`: what Slack says about the token and the file's ids."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.slack.manifest import bot_scopes
from tests.conftest import (
    BOT_TOKEN,
    DEFAULT_CONFIG,
    DIGEST_CHANNEL,
    ENG_LEAD,
    ENGINEER,
    ENGINEER_2,
    INTAKE_CHANNEL,
    SALES_REP_2,
    SIGNING_SECRET,
)
from tests.fakes.slack_api import FakeSlack
from tests.fakes.trackers import GITHUB_REPO, JIRA_PROJECT, LINEAR_TEAM, FakeTrackers


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(token=BOT_TOKEN) as server:
        server.usergroups["SENG"] = [ENGINEER]
        server.add_channel(INTAKE_CHANNEL, private=True, members=(ENG_LEAD, server.bot_user_id))
        server.add_channel(DIGEST_CHANNEL)  # public: Liaison joins it at start
        yield server


@pytest.fixture
def environment(fake: FakeSlack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    config = tmp_path / "liaison.toml"
    config.write_text(DEFAULT_CONFIG)
    for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", fake.base_url)
    monkeypatch.setenv("LIAISON_CONFIG", str(config))
    monkeypatch.chdir(tmp_path)
    yield config


def test_a_good_set_up_passes(
    environment: Path, fake: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-config", "--online"]) == 0
    out = capsys.readouterr().out
    assert f"channel {INTAKE_CHANNEL} (#{INTAKE_CHANNEL.lower()}, private): Liaison is in it" in out
    assert f"channel {DIGEST_CHANNEL} (#{DIGEST_CHANNEL.lower()}, public): Liaison joins" in out
    assert "OK" in out
    assert fake.calls_to("auth.test") and fake.calls_to("usergroups.list")


def test_each_problem_is_named_with_its_place(
    environment: Path, fake: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.scopes = ",".join(s for s in bot_scopes() if s != "channels:join")
    fake.channel_members[INTAKE_CHANNEL].discard(fake.bot_user_id)  # private, bot not invited
    environment.write_text(DEFAULT_CONFIG.replace(DIGEST_CHANNEL, "CNOWHERE"))
    fake.users[ENGINEER_2] = {"deleted": True}
    fake.gone_users.add(SALES_REP_2)
    del fake.usergroups["SENG"]

    assert main(["check-config", "--online"]) == 2
    err = capsys.readouterr().err
    assert "6 problems" in err
    assert "lacks scopes listed in manifest.yml: channels:join" in err
    intake = f'[[departments]] #2 (key "eng") → intake_channel: channel {INTAKE_CHANNEL} not found'
    assert intake in err and "/invite @Liaison" in err
    assert "[[digests]] #1 → channel: channel CNOWHERE not found" in err
    assert f'[[departments]] #2 (key "eng") → members #2: user {ENGINEER_2} is deactivated' in err
    assert (
        f'[[departments]] #1 (key "sales") → members #2: user {SALES_REP_2} not found in this '
        "workspace" in err
    )
    assert '[[departments]] #2 (key "eng") → usergroup: user group SENG not found' in err


def test_a_token_slack_refuses_is_named(
    environment: Path, fake: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.token = "xoxb-another"
    assert main(["check-config", "--online"]) == 2
    assert "the bot token: Slack answered invalid_auth" in capsys.readouterr().err


TARGETS = {
    "github": f'repo = "{GITHUB_REPO}"\nusers = {{ {ENGINEER} = "ana-gh" }}',
    "jira": f'project = "{JIRA_PROJECT}"',
    "linear": f'team = "{LINEAR_TEAM}"',
}


def link_tracker(environment: Path, kind: str) -> None:
    tracker = f'\n[[trackers]]\ndepartment = "eng"\nkind = "{kind}"\n{TARGETS[kind]}\n'
    environment.write_text(DEFAULT_CONFIG + tracker)


@pytest.fixture
def trackers_env(
    environment: Path, fake_trackers: FakeTrackers, monkeypatch: pytest.MonkeyPatch
) -> FakeTrackers:
    for name, value in fake_trackers.environment().items():
        monkeypatch.setenv(name.upper(), value)
    return fake_trackers


@pytest.mark.parametrize(
    ("kind", "target", "route"),
    [
        ("github", GITHUB_REPO, "github.repo"),
        ("jira", JIRA_PROJECT, "jira.project"),
        ("linear", LINEAR_TEAM, "linear.team"),
    ],
)
def test_a_linked_tracker_is_asked_whether_credentials_and_target_work(
    environment: Path,
    trackers_env: FakeTrackers,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    target: str,
    route: str,
) -> None:
    link_tracker(environment, kind)
    assert main(["check-config", "--online"]) == 0
    out = capsys.readouterr().out
    assert f'[[trackers]] #1 (department "eng"): {kind} {target} is reachable' in out
    assert trackers_env.calls_to(route)


def test_a_missing_repository_and_an_unknown_mapped_user_are_named(
    environment: Path,
    trackers_env: FakeTrackers,
    fake: FakeSlack,
    capsys: pytest.CaptureFixture[str],
) -> None:
    link_tracker(environment, "github")
    trackers_env.github_repos.clear()  # the repository is gone
    fake.gone_users.add(ENGINEER)
    assert main(["check-config", "--online"]) == 2
    err = capsys.readouterr().err
    assert (
        f'[[trackers]] #1 (department "eng") → repo: github {GITHUB_REPO}: repository '
        f'"{GITHUB_REPO}" not found, or GITHUB_TOKEN cannot see it' in err
    )
    assert f'[[trackers]] #1 (department "eng") → users: user {ENGINEER} not found' in err


def test_refused_or_missing_credentials_are_named(
    environment: Path,
    trackers_env: FakeTrackers,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    link_tracker(environment, "jira")
    trackers_env.jira_api_token = "another"  # the token was revoked
    assert main(["check-config", "--online"]) == 2
    assert (
        '[[trackers]] #1 (department "eng") → kind: jira refused JIRA_BASE_URL / JIRA_EMAIL / '
        "JIRA_API_TOKEN: Client must be authenticated" in capsys.readouterr().err
    )
    link_tracker(environment, "linear")
    monkeypatch.delenv("LINEAR_API_KEY")
    assert main(["check-config", "--online"]) == 2
    assert (
        '[[trackers]] #1 (department "eng") → kind: LINEAR_API_KEY not set'
        in capsys.readouterr().err
    )
