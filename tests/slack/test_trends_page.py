"""The Trends page: a button on the Home of leads and admins opens the twelve weeks' trends in
a modal; anyone else sees no button, and a forged click is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.conftest import ENG_LEAD, SALES_REP, Liaison
from tests.jobs.test_trends import some_work
from tests.slack.test_home import open_home


def buttons(view: dict[str, Any]) -> list[str]:
    return [
        element.get("action_id", "")
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def updated_views(liaison: Liaison) -> list[dict[str, Any]]:
    return [call.params["view"] for call in liaison.fake.calls_to("views.update")]


def test_a_lead_opens_the_trends_page_from_the_home(liaison: Liaison, db) -> None:
    some_work(liaison, db)
    liaison.clock.set(datetime(2026, 12, 1, 15, tzinfo=UTC))
    home = open_home(liaison, ENG_LEAD)
    assert "home_trends" in buttons(home)
    response = liaison.slack.block_action(ENG_LEAD, "home_trends", view=home)
    assert response.status_code == 200
    liaison.fake.wait_for("views.update")
    [page] = [v for v in updated_views(liaison) if v.get("callback_id") == "trends_page"]
    shown = str(page["blocks"])
    # The same weeks and sentences as `liaison stats --weeks 12 --csv` (the organization's zone).
    assert "12 weeks, from the week of 07 Sep to the week of 23 Nov" in shown
    assert "On time was 100 % in the only week with any." in shown
    assert "Dates promised before an estimate: 1 in 12 weeks" in shown
    assert "▁" in shown or "▄" in shown  # sparklines
    assert "posted in each digest channel on the 1st" in shown


def test_the_button_is_not_there_for_others_and_a_forged_click_is_refused(
    liaison: Liaison, db
) -> None:
    home = open_home(liaison, SALES_REP)
    assert "home_trends" not in buttons(home)
    response = liaison.slack.block_action(SALES_REP, "home_trends", view=home)
    assert response.status_code == 200
    liaison.fake.wait_for("views.update")
    [refusal] = updated_views(liaison)
    assert "Trends are for department leads and workspace admins." in str(refusal["blocks"])
    assert refusal.get("callback_id") != "trends_page"
