"""A DM nudge reaches its recipient within their own working hours, in their own Slack time
zone (users.info, cached), with their department's hours and workdays."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk import WebClient

from bot.jobs.nudges import send_nudges
from bot.slack.people import TimeZones
from tests.conftest import BOT_TOKEN, ENGINEER, SALES_REP, Liaison
from tests.fakes.slack_api import FakeSlack
from tests.slack.helpers import dms_to, file_request, react


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_requester_in_tokyo_is_asked_again_in_tokyos_morning(liaison: Liaison, db) -> None:
    liaison.fake.users[SALES_REP] = {"tz": "Asia/Tokyo"}
    card = file_request(liaison, db)  # Tue 1 Dec, 16:00 Berlin
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "question")
    before = len(dms_to(liaison, SALES_REP))

    # A business day later in Berlin (Wed 16:00), 10:00 in New York: midnight in Tokyo.
    assert send_nudges(liaison.runtime, at=at("2026-12-02T15:00:00")).nudges == []
    assert send_nudges(liaison.runtime, at=at("2026-12-02T23:59:00")).nudges == []  # 08:59
    # Thu 09:00 in Tokyo (Wed 19:00 in New York, 01:00 in Berlin).
    result = send_nudges(liaison.runtime, at=at("2026-12-03T00:00:00"))
    liaison.settle()

    assert [(n.kind.value, n.recipient) for n in result.nudges] == [("needs_info", SALES_REP)]
    assert len(dms_to(liaison, SALES_REP)) == before + 1
    # The zone was read once and kept, not asked again on every pass.
    assert len(liaison.fake.calls_to("users.info", user=SALES_REP)) == 1


def test_without_a_zone_from_slack_the_departments_hours_apply(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "question")
    liaison.fake.fail("users.info", "user_not_found", times=10)

    # Sales keeps the organization's New York hours: Wed 10:00 there.
    result = send_nudges(liaison.runtime, at=at("2026-12-02T15:00:00"))
    assert [n.recipient for n in result.nudges] == [SALES_REP]


def test_time_zones_are_cached_per_workspace_for_a_while(fake_slack: FakeSlack) -> None:
    fake_slack.users["U1"] = {"tz": "Asia/Tokyo"}
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.base_url)
    seconds = [0.0]
    zones = TimeZones(lambda team: client, ttl=60, monotonic=lambda: seconds[0])

    assert str(zones.zone("T1", "U1")) == "Asia/Tokyo"
    fake_slack.users["U1"] = {"tz": "Europe/Lisbon"}
    assert str(zones.zone("T1", "U1")) == "Asia/Tokyo"  # cached
    assert str(zones.zone("T2", "U1")) == "Europe/Lisbon"  # another workspace, its own entry
    seconds[0] = 61
    assert str(zones.zone("T1", "U1")) == "Europe/Lisbon"
    assert len(fake_slack.calls_to("users.info")) == 3

    fake_slack.fail("users.info", "ratelimited", status=429, retry_after=30)
    seconds[0] = 200
    assert str(zones.zone("T1", "U1")) == "Europe/Lisbon"  # the last known zone
    assert zones.zones("T1", ["U1", "U1"]) == {"U1": zones.zone("T1", "U1")}


def test_the_time_zone_cache_is_bounded(fake_slack: FakeSlack) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.base_url)
    zones = TimeZones(lambda team: client, max_entries=2)
    for user in ("U1", "U2", "U3", "U1"):
        zones.zone("T1", user)
    # U1 was forgotten to make room for U3, so it was asked again.
    assert [c.params["user"] for c in fake_slack.calls_to("users.info")] == ["U1", "U2", "U3", "U1"]
