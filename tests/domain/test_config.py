"""Unit tests of the config file: loading, defaults, reactions and problem reports."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import (
    ConfigError,
    Department,
    LiaisonConfig,
    ReactionAction,
    Reactions,
    Role,
    check_config,
    load_config,
    parse_config,
)
from bot.domain.durations import BusinessDuration

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "liaison.example.toml"

MINIMAL = """
[[departments]]
key = "sales"
name = "Sales"
role = "requester"

[[departments]]
key = "eng"
name = "Engineering"
role = "fulfiller"
intake_channel = "C01ENGINTAKE"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "liaison.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, "test.toml")
    return caught.value.problems


def minimal_data(**changes: object) -> dict:
    data: dict = {
        "departments": [
            {"key": "sales", "name": "Sales", "role": "requester"},
            {"key": "eng", "name": "Eng", "role": "fulfiller", "intake_channel": "C01ENG"},
        ]
    }
    data.update(changes)
    return data


def test_example_file_loads() -> None:
    config = load_config(EXAMPLE)

    assert config.organization.timezone == "America/New_York"
    assert config.organization.holidays == (date(2026, 12, 25),)
    assert [d.key for d in config.requesting_departments()] == ["sales"]
    assert [d.key for d in config.fulfilling_departments()] == ["eng"]
    eng = config.department("eng")
    assert eng.zone == ZoneInfo("Europe/Berlin")
    assert eng.usergroup == "S01ENG"
    assert (eng.opens, eng.closes) == (time(9), time(17))
    assert eng.workday_numbers == frozenset(range(5))
    assert not eng.open_to_everyone
    assert config.department("sales").timezone == "America/New_York"
    (digest,) = config.digests
    assert (digest.weekday_number, digest.at) == (0, time(9))
    assert digest.zone == ZoneInfo("America/New_York")
    assert config.reactions == Reactions()
    assert config.nudges.unclaimed_after == BusinessDuration(minutes=240)


def test_defaults_apply_when_keys_are_missing(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))

    assert config.organization.timezone == "UTC"
    assert config.organization.holidays == ()
    assert config.digests == ()
    sales, eng = config.departments
    assert sales.role is Role.REQUESTER and sales.is_requester and not sales.is_fulfiller
    assert sales.open_to_everyone
    assert eng.is_fulfiller and not eng.is_requester
    assert eng.business_hours == "09:00-17:00"
    assert eng.workdays == ("mon", "tue", "wed", "thu", "fri")
    assert eng.timezone == "UTC"
    assert config.reactions.estimate_days["keycap_ten"] == 10
    nudges = config.nudges
    assert nudges.unclaimed_after == BusinessDuration(minutes=240)
    assert nudges.unestimated_after == BusinessDuration(days=1)
    assert nudges.needs_info_after == nudges.negotiation_after == nudges.cooldown
    assert nudges.due_soon_within == BusinessDuration(days=2)


def test_both_role_counts_as_requester_and_fulfiller() -> None:
    config = parse_config(
        {"departments": [{"key": "ops", "name": "Ops", "role": "both", "intake_channel": "G01"}]}
    )

    assert config.requesting_departments() == config.fulfilling_departments()
    with pytest.raises(KeyError):
        config.department("nope")


def test_time_zones_inherit_from_the_organization() -> None:
    data = minimal_data(
        organization={"timezone": "Asia/Tokyo", "holidays": [date(2026, 1, 1), "2026-05-05"]},
        digests=[{"channel": "C01", "departments": ["eng"]}],
    )
    data["departments"][1]["timezone"] = "Europe/Berlin"

    config = parse_config(data)

    assert config.department("sales").timezone == "Asia/Tokyo"
    assert config.department("eng").timezone == "Europe/Berlin"
    assert config.digests[0].zone == ZoneInfo("Asia/Tokyo")
    assert config.organization.holidays == (date(2026, 1, 1), date(2026, 5, 5))


def test_the_not_ready_reaction_is_checked_like_the_others() -> None:
    assert problems_of(minimal_data(reactions={"needs_info": ["memo"]})) == [
        '[reactions] → not_ready: "memo" is already used for needs_info'
    ]
    config = parse_config(minimal_data(reactions={"not_ready": ["pencil", "memo"]}))
    assert config.reactions.action_for("pencil") == ReactionAction("not_ready")


@pytest.mark.parametrize(
    ("reaction", "expected"),
    [
        ("raising_hand", ReactionAction("claim")),
        ("raising_hand::skin-tone-3", ReactionAction("claim")),
        ("question", ReactionAction("needs_info")),
        ("white_check_mark", ReactionAction("deliver")),
        ("no_entry_sign", ReactionAction("decline")),
        ("memo", ReactionAction("not_ready")),
        ("one", ReactionAction("estimate", 1)),
        ("five", ReactionAction("estimate", 5)),
        ("keycap_ten", ReactionAction("estimate", 10)),
        ("tada", None),
        ("tada::skin-tone-2", None),
    ],
)
def test_default_reactions(reaction: str, expected: ReactionAction | None) -> None:
    assert Reactions().action_for(reaction) == expected


def test_custom_reactions() -> None:
    config = parse_config(
        minimal_data(reactions={"claim": ["hand", "eyes"], "estimate_days": {"calendar": 20}})
    )

    reactions = config.reactions
    assert reactions.action_for("eyes") == ReactionAction("claim")
    assert reactions.action_for("hand::skin-tone-5") == ReactionAction("claim")
    assert reactions.action_for("raising_hand") is None
    assert reactions.action_for("calendar") == ReactionAction("estimate", 20)
    assert reactions.action_for("one") is None
    assert reactions.action_for("question") == ReactionAction("needs_info")


def test_every_problem_is_reported_with_its_place() -> None:
    data = minimal_data(
        nonsense=True,
        digests=[{"channel": "C01SHARED", "departments": ["sales", "ops"]}],
        reactions={"foo": 1, "deliver": ["question"]},
        nudges={"cooldown": "1x"},
    )
    data["departments"][1].pop("intake_channel")
    data["departments"][1]["timezone"] = "Mars/Base"
    data["departments"][0]["business_hours"] = "17:00-09:00"

    problems = problems_of(data)

    expected = [
        "nonsense: unknown key",
        '[[departments]] #1 (key "sales") → business_hours: not "HH:MM-HH:MM" with the start',
        '[[departments]] #2 (key "eng") → timezone: unknown time zone "Mars/Base"',
        '[[departments]] #2 (key "eng") → intake_channel: required for a fulfilling department',
        '[[digests]] #1 → departments: unknown department "ops"',
        "[reactions] → foo: unknown key",
        '[reactions] → deliver: "question" is already used for needs_info',
        '[nudges] → cooldown: "1x" is not a duration',
    ]
    assert len(problems) == len(expected), problems
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)
    assert "request cards are posted" in "\n".join(problems)
    assert "https://" not in "\n".join(problems)


def test_problem_message_lists_every_problem() -> None:
    data = minimal_data(organization={"timezone": "Nowhere"}, nudges={"cooldown": "0m"})

    with pytest.raises(ConfigError) as caught:
        parse_config(data, "test.toml")

    text = str(caught.value)
    assert caught.value.source == "test.toml"
    assert text.splitlines()[0] == "test.toml: 2 problems"
    assert all(problem in text for problem in caught.value.problems)


def test_a_file_without_departments_is_a_first_run_with_defaults() -> None:
    config = parse_config({"organization": {"timezone": "Europe/Berlin"}}, "test.toml")
    assert config.departments == ()
    assert not config.is_set_up
    assert config.organization.timezone == "Europe/Berlin"


def test_settings_made_one_step_at_a_time_need_not_have_both_roles_yet() -> None:
    one = {"departments": [{"key": "sales", "name": "Sales", "role": "requester"}]}
    config, problems = check_config(one, complete=False)
    assert problems == [] and config is not None and not config.is_set_up
    _, problems = check_config(one)
    assert [str(p) for p in problems] == [
        '[[departments]]: no department can fulfil (role "fulfiller"/"both")'
    ]
    assert problems[0].loc == ("departments",)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"departments": "eng"}, "[[departments]]: must be a list"),
        ({"organization": 3}, "[organization]: must be a table"),
        (
            {"departments": [{"key": "", "name": "Sales", "role": "requester"}]},
            "[[departments]] #1 → key: must not be empty",
        ),
        (
            {"departments": [{"key": "eng", "name": "E", "role": "boss"}]},
            '[[departments]] #1 (key "eng") → role: must be "requester", "fulfiller" or "both"',
        ),
        (
            {"departments": [{"key": "sales", "name": "S", "role": "requester"}] * 2},
            '[[departments]] #2 (key "sales") → key: "sales" is used by #1 too',
        ),
        (
            {"departments": [{"key": "sales", "name": "S", "role": "requester"}]},
            "[[departments]]: no department can fulfil",
        ),
        (
            {"organization": {"holidays": ["2026-02-30"]}},
            "[organization] → holidays #1: not a date",
        ),
        (
            {"digests": [{"channel": "C1", "departments": []}]},
            "[[digests]] #1 → departments: must not be empty",
        ),
        (
            {"digests": [{"channel": "#general", "departments": ["eng"]}]},
            "[[digests]] #1 → channel: not a Slack channel id",
        ),
        (
            {"digests": [{"channel": "C1", "departments": ["eng"], "weekday": "monday"}]},
            "[[digests]] #1 → weekday: not one of mon/tue/",
        ),
        (
            {"digests": [{"channel": "C1", "departments": ["eng"], "time": "9am"}]},
            '[[digests]] #1 → time: not a time like "09:00": "9am"',
        ),
        (
            {"reactions": {"claim": [":raising_hand:"]}},
            "[reactions] → claim #1: write emoji names without colons",
        ),
        (
            {"reactions": {"estimate_days": {"one": 0}}},
            "[reactions] → estimate_days.one: days must be 1 to 100, not 0",
        ),
        ({"nudges": {"unclaimed_after": "0h"}}, '[nudges] → unclaimed_after: "0h" must be'),
    ],
)
def test_single_problems(change: dict, expected: str) -> None:
    problems = problems_of(minimal_data(**change))

    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("members", ["bob"], 'members #1: not a Slack user id (U…/W…): "bob"'),
        ("leads", ["U01", "C01"], 'leads #2: not a Slack user id (U…/W…): "C01"'),
        ("usergroup", "U01", 'usergroup: not a Slack user group id (S…): "U01"'),
        ("intake_channel", "eng", 'intake_channel: not a Slack channel id (C…/G…): "eng"'),
        ("business_hours", "9-5", 'business_hours: not "HH:MM-HH:MM" with the start before'),
        ("business_hours", "09:00-24:00", "business_hours: not"),
        ("workdays", [], "workdays: must not be empty"),
        ("workdays", ["mon", "mon"], "workdays: names a day twice"),
        ("workdays", ["funday"], 'workdays #1: not one of mon/tue/wed/thu/fri/sat/sun: "funday"'),
        (
            "workdays",
            ["mon", "funday"],
            'workdays #2: not one of mon/tue/wed/thu/fri/sat/sun: "fun',
        ),
        ("timezone", "Mars/Base", 'timezone: unknown time zone "Mars/Base"'),
        ("colour", "red", "colour: unknown key"),
    ],
)
def test_department_field_problems(field: str, value: object, expected: str) -> None:
    data = minimal_data()
    data["departments"][1][field] = value

    problems = problems_of(data)

    assert len(problems) == 1, problems
    assert problems[0].startswith(f'[[departments]] #2 (key "eng") → {expected}'), problems


def test_a_department_built_by_hand_defaults_to_utc() -> None:
    department = Department(key="x", name="X", role=Role.REQUESTER)

    assert department.zone == ZoneInfo("UTC")
    assert isinstance(parse_config(minimal_data()), LiaisonConfig)


def test_missing_file_says_how_to_fix_it(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    text = str(caught.value)
    assert str(path) in text
    assert "liaison.example.toml) to config/liaison.toml" in text and "LIAISON_CONFIG" in text
    assert "Home tab" in text


def test_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "\nbroken = \n")

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    text = str(caught.value)
    assert text.startswith(f"{path}: not valid TOML")
    assert "line 13" in text and "column" in text


def test_the_example_ships_request_types_for_engineering() -> None:
    config = load_config(EXAMPLE)
    types = config.request_types_for("eng")
    assert [t.key for t in types] == ["bug", "feature", "data"]
    bug = config.request_type("eng", "bug")
    assert bug is not None
    assert [(f.key, f.kind.value, f.required) for f in bug.fields][:4] == [
        ("steps", "text", True),
        ("severity", "select", True),
        ("where", "url", False),
        ("expected", "text", False),
    ]
    data = config.request_type("eng", "data")
    assert data is not None and data.field("format").options == ("CSV", "Sheet", "Dashboard")
