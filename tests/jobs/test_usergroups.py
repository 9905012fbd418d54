"""The `refresh-usergroups` job, which reads the members of the configured user groups into the
database for answers that cannot wait for Slack."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.domain.models import UsergroupMember, UsergroupRead
from bot.jobs.scheduler import REFRESH_USERGROUPS, build_scheduler
from bot.jobs.usergroups import refresh_usergroups
from tests.conftest import TEAM_ID, Liaison


def members(db, usergroup: str = "SENG") -> set[str]:
    return set(
        db.scalars(
            select(UsergroupMember.user_id).where(
                UsergroupMember.team_id == TEAM_ID, UsergroupMember.usergroup_id == usergroup
            )
        )
    )


def test_the_scheduler_refreshes_the_groups_every_few_minutes(liaison: Liaison) -> None:
    scheduler = build_scheduler(liaison.runtime)
    job = scheduler.get_job(REFRESH_USERGROUPS)
    assert job is not None and job.trigger.interval.total_seconds() == 300


def test_the_job_reads_every_configured_group_into_the_database(liaison: Liaison, db) -> None:
    liaison.fake.usergroups["SENG"] = ["UENGA", "UENGB"]

    report = refresh_usergroups(liaison.runtime)

    assert report.read == ["SENG"] and report.failed == {}
    assert members(db) == {"UENGA", "UENGB"}
    read = db.get(UsergroupRead, (TEAM_ID, "SENG"))
    assert read.read_at == liaison.clock() and read.last_error is None

    liaison.fake.usergroups["SENG"] = ["UENGB"]
    refresh_usergroups(liaison.runtime)
    assert members(db) == {"UENGB"}


def test_a_failed_read_keeps_the_last_known_members(liaison: Liaison, db) -> None:
    liaison.fake.usergroups["SENG"] = ["UENGA"]
    refresh_usergroups(liaison.runtime)
    liaison.fake.usergroups["SENG"] = []
    liaison.fake.fail("usergroups.users.list", status=500)

    assert refresh_usergroups(liaison.runtime).failed == {"SENG": "http_500"}

    assert members(db) == {"UENGA"}
    assert db.get(UsergroupRead, (TEAM_ID, "SENG")).last_error == "http_500"


@pytest.mark.parametrize("read_usergroups_at_start", [False])
def test_a_group_that_cannot_be_read_at_all_counts_as_nobody(liaison: Liaison, db) -> None:
    liaison.fake.fail("usergroups.users.list", "missing_scope")

    refresh_usergroups(liaison.runtime)

    assert db.get(UsergroupRead, (TEAM_ID, "SENG")).last_error == "missing_scope"
    assert members(db) == set()
