"""Who may set Liaison up: Slack's admins and owners (`users.info`), each answer kept a minute."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.slack.admins import ADMIN_TTL, Admins
from tests.fakes.slack_api import FakeSlack


def admins_of(fake: FakeSlack, now: list[float]) -> Admins:
    client = WebClient(token=fake.token, base_url=fake.base_url)
    return Admins(lambda team_id: client, monotonic=lambda: now[0])


def test_admins_and_owners_may_set_up_and_the_answer_is_kept_briefly() -> None:
    with FakeSlack() as fake:
        fake.users["UADMIN"] = {"is_admin": True, "tz": "Europe/Berlin"}
        fake.users["UOWNER"] = {"is_owner": True}
        fake.users["UPRIMARY"] = {"is_primary_owner": True, "is_owner": True}
        fake.users["UGONE"] = {"is_admin": True, "deleted": True}
        now = [0.0]
        admins = admins_of(fake, now)
        assert [admins.is_admin("T1", u) for u in ("UADMIN", "UOWNER", "UPRIMARY")] == [True] * 3
        assert not admins.is_admin("T1", "UMEMBER") and not admins.is_admin("T1", "UGONE")
        assert admins.time_zone("T1", "UADMIN") == "Europe/Berlin"
        assert len(fake.calls_to("users.info", user="UADMIN")) == 1

        fake.users["UADMIN"] = {"is_admin": False}  # demoted: seen once the answer is stale
        assert admins.is_admin("T1", "UADMIN")
        now[0] = ADMIN_TTL
        assert not admins.is_admin("T1", "UADMIN")


def test_when_slack_cannot_answer_the_last_answer_stands_or_nobody_is_an_admin() -> None:
    with FakeSlack() as fake:
        fake.users["UADMIN"] = {"is_admin": True}
        now = [0.0]
        admins = admins_of(fake, now)
        fake.fail("users.info", "internal_error")
        assert not admins.is_admin("T1", "UADMIN")  # never known: refused, try again later
        assert admins.is_admin("T1", "UADMIN")
        now[0] = ADMIN_TTL
        fake.fail("users.info", "internal_error")
        assert admins.is_admin("T1", "UADMIN")  # the last answer
