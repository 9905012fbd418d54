"""The Home tab: opening it publishes each person's view of their work, and a change to a request
publishes it again for the people it concerns who have opened it."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.lifecycle import Status
from bot.domain.models import HomeVisit, OutboxMessage, Request
from bot.jobs.scheduler import handle_events, send_outbox
from tests.conftest import (
    ENG_LEAD,
    ENGINEER,
    ENGINEER_2,
    SALES_LEAD,
    SALES_REP,
    STRANGER,
    Inspector,
    Liaison,
)
from tests.slack.helpers import click_in_dm, current, file_request, react


def open_home(liaison: Liaison, user: str) -> dict[str, Any]:
    """Open `user`'s Home tab as Slack does, and return the view published for them."""
    before = len(liaison.fake.calls_to("views.publish", user_id=user))
    response = liaison.slack.app_home_opened(user)
    assert response is not None and response.status_code == 200
    liaison.settle()
    calls = liaison.fake.calls_to("views.publish", user_id=user)
    assert len(calls) == before + 1, "the Home was not published"
    assert calls[-1].response["ok"], calls[-1].response
    return liaison.fake.home_tabs[user]


def sections(view: dict[str, Any]) -> dict[str, list[str]]:
    """Each section's header (without its count) and the texts of the blocks under it."""
    found: dict[str, list[str]] = {}
    texts: list[str] | None = None
    for block in view["blocks"]:
        if block["type"] == "header":
            texts = found.setdefault(block["text"]["text"].split(" (")[0], [])
        elif texts is not None and block["type"] == "section":
            texts.append(block["text"]["text"])
        elif texts is not None and block["type"] == "context":
            texts.extend(e["text"] for e in block["elements"])
    return found


def publishes(liaison: Liaison, user: str) -> int:
    return len(liaison.fake.calls_to("views.publish", user_id=user))


def test_a_requester_sees_their_requests_with_a_link_to_the_card(
    liaison: Liaison, db: Inspector
) -> None:
    card = file_request(liaison, db, title="Export invoices as <CSV> @channel")
    home = sections(open_home(liaison, SALES_REP))

    [line] = home["My requests"]
    request = current(db, card)
    assert f"<{request.card_permalink}|*REQ-1*>" in line
    assert "Export invoices as &lt;CSV&gt;" in line and "<!channel>" not in line
    assert "unclaimed" in line and "wanted by <!date^" in line
    assert home["My queue"] == ["Nothing is claimed by you right now."]
    assert home["Team queue"] == ["You are in no team that works on requests."]
    assert "Needs attention" not in home
    visit = db.scalars(select(HomeVisit)).one()
    assert visit.user_id == SALES_REP


def test_an_engineer_sees_their_queue_and_their_teams_unclaimed_requests(
    liaison: Liaison, db: Inspector
) -> None:
    claimed = file_request(liaison, db, title="Claimed one")
    file_request(liaison, db, title="Waiting one")
    react(liaison, claimed, ENGINEER, "raising_hand")

    mine = sections(open_home(liaison, ENGINEER))
    assert len(mine["My queue"]) == 1 and "Claimed one" in mine["My queue"][0]
    assert [("Waiting one" in line) for line in mine["Team queue"]] == [True]
    other = sections(open_home(liaison, ENGINEER_2))
    assert other["My queue"] == ["Nothing is claimed by you right now."]
    assert len(other["Team queue"]) == 1 and "REQ-2" in other["Team queue"][0]


def test_a_lead_sees_overdue_requests_of_their_department(liaison: Liaison, db: Inspector) -> None:
    card = file_request(liaison, db, title="Late one")
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "one")
    assert current(db, card).status is Status.COMMITTED

    lead = sections(open_home(liaison, ENG_LEAD))
    assert lead["Needs attention"] == ["Nothing needs your attention."]

    liaison.clock.advance(days=40)
    lead = sections(open_home(liaison, ENG_LEAD))
    [line] = lead["Needs attention"]
    assert "Late one" in line and f"claimed by <@{ENGINEER}>" in line and "committed for" in line
    assert "*overdue* · Committed" in line
    assert "Needs attention" in sections(open_home(liaison, SALES_LEAD))


def test_a_lead_sees_escalated_requests_and_infeasible_hard_deadlines(
    liaison: Liaison, db: Inspector
) -> None:
    # Three working days of work cannot be done by the next day: both go at risk.
    hard = file_request(liaison, db, title="Hard one", desired_date="2026-12-02", deadline="hard")
    soft = file_request(liaison, db, title="Soft one", desired_date="2026-12-02")
    for card in (hard, soft):
        react(liaison, card, ENGINEER, "raising_hand")
        react(liaison, card, ENGINEER, "three")
        assert current(db, card).status is Status.AT_RISK
    lines = sections(open_home(liaison, ENG_LEAD))["Needs attention"]
    assert len(lines) == 1 and "Hard one" in lines[0]  # a soft date at risk is theirs to settle
    assert "*hard deadline at risk*" in lines[0]

    click_in_dm(liaison, SALES_REP, "negotiation_escalate")  # the latest negotiation: REQ-2
    for lead in (ENG_LEAD, SALES_LEAD):
        lines = sections(open_home(liaison, lead))["Needs attention"]
        assert ["Hard one" in lines[0], "Soft one" in lines[1]] == [True, True], lead
        assert "*escalated*" in lines[1]


def test_a_stranger_sees_empty_sections_with_a_friendly_line(
    liaison: Liaison, db: Inspector
) -> None:
    file_request(liaison, db)
    home = sections(open_home(liaison, STRANGER))
    assert home == {
        "My requests": ["You have no open requests. File one with `/request`."],
        "My queue": ["Nothing is claimed by you right now."],
        "Team queue": ["You are in no team that works on requests."],
    }


def test_the_messages_tab_publishes_nothing(liaison: Liaison, db: Inspector) -> None:
    liaison.slack.app_home_opened(SALES_REP, tab="messages")
    liaison.settle()
    assert publishes(liaison, SALES_REP) == 0
    assert list(db.scalars(select(HomeVisit))) == []


def test_250_requests_keep_every_home_under_100_blocks(liaison: Liaison, db: Inspector) -> None:
    first = file_request(liaison, db)
    template = current(db, first)
    today = liaison.clock().date()
    with Session(liaison.runtime.engine) as session, session.begin():
        for number in range(2, 252):
            claimed = number % 2 == 0
            session.add(
                Request(
                    workspace_id=template.workspace_id,
                    number=number,
                    title=f"Request {number} " + "x" * 300,
                    requester_id=SALES_REP,
                    requesting_department_id=template.requesting_department_id,
                    fulfilling_department_id=template.fulfilling_department_id,
                    status=Status.COMMITTED if claimed else Status.NEW,
                    claimer_id=ENGINEER if claimed else None,
                    committed_date=today - timedelta(days=3) if claimed else None,
                    desired_date=date(2026, 12, 18),
                    created_at=liaison.clock(),
                    updated_at=liaison.clock(),
                )
            )

    for user, counts in [
        (SALES_REP, {"My requests": 251}),
        (ENGINEER, {"My queue": 125, "Team queue": 126}),
        (ENG_LEAD, {"Team queue": 126, "Needs attention": 125}),
    ]:
        view = open_home(liaison, user)  # the fake refuses a view Slack would refuse
        assert len(view["blocks"]) < 100
        assert len(json.dumps(view)) < 250_000
        found = sections(view)
        for name, total in counts.items():
            assert f"and {total - 10} more" in found[name], (user, name)
            headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
            assert f"{name} ({total})" in headers

    # Paging: every full section shown at length at once still fits, each listing what fits.
    for user, keys in [(ENGINEER, ["queue", "team"]), (ENG_LEAD, ["team", "attention"])]:
        for key in keys:
            view = liaison.fake.home_tabs[user]
            liaison.slack.block_action(user, "home_show_more", value=key, view=view)
            liaison.settle()
            call = liaison.fake.calls_to("views.publish", user_id=user)[-1]
            assert call.response["ok"], call.response
        view = liaison.fake.home_tabs[user]
        assert len(view["blocks"]) <= 100
        found = sections(view)
        listed = {name: len([t for t in found[name] if "REQ-" in t]) for name in found}
        assert sum(listed.values()) > 2 * 10, listed  # more than the sections' first ten
        assert json.dumps(view).count("Show fewer") == 2


def test_a_change_publishes_the_home_of_the_people_it_concerns_who_opened_it(
    liaison: Liaison, db: Inspector
) -> None:
    card = file_request(liaison, db)
    open_home(liaison, SALES_REP)
    open_home(liaison, ENG_LEAD)
    open_home(liaison, STRANGER)
    before = {u: publishes(liaison, u) for u in (SALES_REP, ENG_LEAD, STRANGER, ENGINEER)}

    react(liaison, card, ENGINEER, "raising_hand")

    after = {u: publishes(liaison, u) for u in before}
    assert after == {
        SALES_REP: before[SALES_REP] + 1,
        ENG_LEAD: before[ENG_LEAD] + 1,
        STRANGER: before[STRANGER],  # not concerned
        ENGINEER: 0,  # concerned, but never opened the Home
    }
    [line] = sections(liaison.fake.home_tabs[SALES_REP])["My requests"]
    assert f"claimed by <@{ENGINEER}>" in line


def test_changes_in_a_row_publish_each_home_once(liaison: Liaison, db: Inspector) -> None:
    card = file_request(liaison, db)
    for user in (SALES_REP, ENGINEER, ENGINEER_2, STRANGER):
        open_home(liaison, user)
    before = {u: publishes(liaison, u) for u in (SALES_REP, ENGINEER, ENGINEER_2, STRANGER)}
    liaison.runtime.settings.liaison_background = "worker"  # changes now wait for the worker

    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "two")
    react(liaison, card, ENGINEER_2, "three")

    handle_events(liaison.runtime)
    waiting = db.scalars(
        select(OutboxMessage.channel).where(
            OutboxMessage.kind == "home", OutboxMessage.status == "pending"
        )
    ).all()
    assert sorted(waiting) == sorted([SALES_REP, ENGINEER, ENGINEER_2])  # ENGINEER_2 estimated

    send_outbox(liaison.runtime)
    liaison.settle()
    once_more = {u: n + (u != STRANGER) for u, n in before.items()}
    assert {u: publishes(liaison, u) for u in before} == once_more
    [line] = sections(liaison.fake.home_tabs[ENGINEER])["My queue"]
    assert "REQ-1" in line


def test_a_home_slack_refuses_fails_without_telling_the_leads(
    liaison: Liaison, db: Inspector
) -> None:
    liaison.fake.fail("views.publish", "invalid_arguments")
    liaison.slack.app_home_opened(SALES_REP)
    liaison.settle()

    effect = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "home")).one()
    assert effect.status == "failed" and effect.last_error
    assert db.scalars(select(OutboxMessage).where(OutboxMessage.kind != "home")).all() == []
    assert open_home(liaison, SALES_REP)["type"] == "home"  # the next visit publishes it


def test_show_more_lists_more_of_one_section_and_the_view_stays_valid(
    liaison: Liaison, db: Inspector
) -> None:
    first = file_request(liaison, db)
    template = current(db, first)
    with Session(liaison.runtime.engine) as session, session.begin():
        for number in range(2, 61):
            session.add(
                Request(
                    workspace_id=template.workspace_id,
                    number=number,
                    title=f"Request {number} " + "x" * 300,
                    requester_id=SALES_REP,
                    requesting_department_id=template.requesting_department_id,
                    fulfilling_department_id=template.fulfilling_department_id,
                    status=Status.NEW,
                    desired_date=date(2026, 12, 18),
                    created_at=liaison.clock(),
                    updated_at=liaison.clock(),
                )
            )
    home = open_home(liaison, SALES_LEAD)
    assert "Show more" not in json.dumps(home)  # a lead's sections here are not full
    home = open_home(liaison, SALES_REP)
    assert len(sections(home)["My requests"]) == 11  # ten, and "and 50 more"

    before = publishes(liaison, SALES_REP)
    response = liaison.slack.block_action(SALES_REP, "home_show_more", value="mine", view=home)
    assert response.status_code == 200
    liaison.settle()
    assert publishes(liaison, SALES_REP) == before + 1
    call = liaison.fake.calls_to("views.publish", user_id=SALES_REP)[-1]
    assert call.response["ok"], call.response  # the fake refuses a view Slack would refuse
    home = liaison.fake.home_tabs[SALES_REP]
    lines = sections(home)["My requests"]
    assert len(lines) == 41 and "REQ-60" in lines[0] and lines[-1] == "and 20 more"
    assert len(home["blocks"]) <= 100
    assert "Show more" not in json.dumps(home)  # already showing the most it shows

    # Remembered: opened again, and after a change, the section stays at length.
    home = open_home(liaison, SALES_REP)
    assert len(sections(home)["My requests"]) == 41
    before = publishes(liaison, SALES_REP)
    react(liaison, first, ENGINEER, "raising_hand")
    assert publishes(liaison, SALES_REP) == before + 1
    home = liaison.fake.home_tabs[SALES_REP]
    assert len(sections(home)["My requests"]) == 41

    before = publishes(liaison, SALES_REP)
    liaison.slack.block_action(SALES_REP, "home_show_fewer", value="mine", view=home)
    liaison.settle()
    assert publishes(liaison, SALES_REP) == before + 1
    home = liaison.fake.home_tabs[SALES_REP]
    assert len(sections(home)["My requests"]) == 11
    assert "Show fewer" not in json.dumps(home) and "Show more" in json.dumps(home)
    assert len(sections(open_home(liaison, SALES_REP))["My requests"]) == 11


def test_show_more_of_no_known_section_publishes_nothing(liaison: Liaison, db: Inspector) -> None:
    home = open_home(liaison, SALES_REP)
    before = publishes(liaison, SALES_REP)
    liaison.slack.block_action(SALES_REP, "home_show_more", value="everything", view=home)
    liaison.settle()
    assert publishes(liaison, SALES_REP) == before


@pytest.mark.parametrize("seed", range(4))
def test_any_set_of_requests_publishes_homes_slack_accepts(
    liaison: Liaison, db: Inspector, seed: int
) -> None:
    """Random numbers of requests in every section, long hostile titles, any section expanded:
    every Home published is one the (strict) fake Slack accepts, within 100 blocks."""
    rng = random.Random(seed)
    first = file_request(liaison, db)
    template = current(db, first)
    today = liaison.clock().date()
    kinds = [
        (Status.NEW, None, None),  # the team's queue
        (Status.COMMITTED, ENGINEER, today - timedelta(days=2)),  # a queue, overdue
        (Status.COMMITTED, ENGINEER, today + timedelta(days=9)),
        (Status.NEEDS_INFO, ENGINEER, None),  # a question waiting on the requester
        (Status.AT_RISK, ENGINEER_2, None),  # a negotiation
        (Status.DELIVERED, ENGINEER, None),  # feedback to give
    ]
    with Session(liaison.runtime.engine) as session, session.begin():
        number = 1
        for status, claimer, committed in kinds:
            for _ in range(rng.choice([0, 1, 9, 10, 11, rng.randint(12, 70)])):
                number += 1
                session.add(
                    Request(
                        workspace_id=template.workspace_id,
                        number=number,
                        title=" ".join(
                            rng.choice(["@channel", "<b>&", "é" * 40, "x" * 200])
                            for _ in range(rng.randint(1, 30))
                        ),
                        requester_id=rng.choice([SALES_REP, SALES_REP, STRANGER]),
                        requesting_department_id=template.requesting_department_id,
                        fulfilling_department_id=template.fulfilling_department_id,
                        status=status,
                        claimer_id=claimer,
                        committed_date=committed,
                        projected_date=today + timedelta(days=5),
                        hard_deadline=rng.random() < 0.5,
                        desired_date=date(2026, 12, 18),
                        card_permalink=template.card_permalink,
                        created_at=liaison.clock() - timedelta(days=3),
                        updated_at=liaison.clock() - timedelta(days=3),
                        status_changed_at=liaison.clock() - timedelta(days=3),
                    )
                )

    for user in (SALES_REP, ENGINEER, ENGINEER_2, ENG_LEAD, SALES_LEAD, STRANGER):
        home = open_home(liaison, user)  # the fake refuses a view Slack would refuse
        assert len(home["blocks"]) <= 100
        for key in rng.sample(["mine", "queue", "team", "attention"], rng.randint(1, 4)):
            if f'"value": "{key}"' not in json.dumps(home):
                continue
            liaison.slack.block_action(user, "home_show_more", value=key, view=home)
            liaison.settle()
            call = liaison.fake.calls_to("views.publish", user_id=user)[-1]
            assert call.response["ok"], call.response
            home = liaison.fake.home_tabs[user]
            assert len(home["blocks"]) <= 100
