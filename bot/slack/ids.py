"""Every Slack identifier the app defines: command, callback, block and action ids."""

from __future__ import annotations

from bot.domain.nudges import SNOOZE_DAYS

COMMAND = "/request"


class Intake:
    """The request modal (new request, or a request started from a message)."""

    callback = "request_intake"
    shortcut = "create_request"
    title = "title"
    details = "details"
    client = "client"
    impact = "impact"
    desired_date = "desired_date"
    deadline = "deadline"
    promised = "promised"
    department = "fulfilling_department"
    # In the edit modal, the team the request stays with (a line, not a menu).
    department_kept = "fulfilling_department_kept"
    # The earliest realistic date, the warning on an earlier one, and the confirmation that a
    # hard deadline before it is filed anyway.
    realistic = "realistic"
    warning = "date_warning"
    file_anyway = "file_anyway"
    # The request type menu (its block id ends in ".<department key>", so that a menu of
    # another team's types starts afresh) and the chosen type's description.
    request_type = "request_type"
    type_about = "request_type_about"
    # Every input element uses this action id; the block id says which field it is.
    value = "value"


class Card:
    """Buttons on a request card; every value is the request's id."""

    block = "card_actions"
    claim = "card_claim"
    release = "card_release"
    estimate = "card_estimate"
    # The estimate menu's last option, "<request id>:other", opens the Estimate… modal.
    estimate_other = "other"
    ask = "card_ask"
    not_ready = "card_not_ready"
    deliver = "card_deliver"
    decline = "card_decline"
    edit = "card_edit"
    # The users menu that cards posted before the lead's menu (LeadActions) still carry.
    reassign = "card_reassign"
    # A department whose tracker creates issues by hand (`create_on = "manual"`).
    create_issue = "card_create_issue"


class TrackerFailure:
    """The "Retry" a lead gets when the tracker refused a request's issue (value: request id)."""

    block = "tracker_issue"
    retry = "tracker_retry"


class LeadActions:
    """A lead's overrides, from the card's menu and a *Needs attention* item's on the Home tab.
    Each choice's value is "<request id>:<choice>" and opens the choice's modal, whose
    private_metadata carries the request id and the surface it was opened from."""

    menu = "lead_actions"
    # The choices.
    reassign = "reassign"
    commit_date = "commit_date"
    reopen = "reopen"
    close = "close"
    # The modals' callback ids.
    reassign_callback = "lead_reassign"
    commit_date_callback = "lead_commit_date"
    reopen_callback = "lead_reopen"
    close_callback = "lead_close"
    # The modals' input blocks; every input element's action id is `value`.
    assignee = "assignee"
    date = "committed_date"
    reason = "reason"
    outcome = "outcome"
    value = "value"


class Negotiation:
    block = "negotiation_actions"
    accept = "negotiation_accept"
    cut_scope = "negotiation_cut_scope"
    escalate = "negotiation_escalate"


class Requester:
    """Buttons in the requester's DMs."""

    block = "requester_actions"
    edit = "requester_edit"
    cancel = "requester_cancel"
    helpful = "feedback_helpful"
    not_helpful = "feedback_not_helpful"


class Answer:
    """The requester's answer to a question, given from the DM: a button and its modal."""

    block = "question_actions"
    button = "requester_answer"
    callback = "requester_answer"
    answer = "answer"
    value = "value"


class NotReady:
    """Sending a request back as not ready (the card's button, or the button offered privately
    to someone who reacted), and the requester completing it from the DM. Button values are the
    request's id; the modals' private_metadata carries it."""

    offer = "not_ready_offer"  # the block of the button offered after the reaction
    block = "not_ready_actions"  # the block of the requester's Complete button
    open = "not_ready_open"
    callback = "not_ready"
    missing = "missing"  # the type's fields, ticked when missing or unclear
    note = "note"
    complete = "request_complete"
    complete_callback = "request_complete"
    answer = "answer"
    value = "value"


class AskModal:
    callback = "ask_requester"
    question = "question"
    value = "value"


class DeclineModal:
    callback = "decline_request"
    reason = "reason"
    value = "value"


class EstimateModal:
    """Any estimate the card's menu does not list; private_metadata carries the request id."""

    callback = "estimate_request"
    days = "days"


class EditModal:
    """The intake modal reused for editing; private_metadata carries the request id."""

    callback = "request_edit"


class Nudges:
    snooze = "nudge_snooze"
    # Block ids of the buttons under a reminder that waits for a decision:
    # "<decision>:<request id>:<nudge kind>".
    decision = "nudge_decision"
    # Option values are "<request id>:<nudge kind>:<days>".
    snooze_days = SNOOZE_DAYS


class HomeSearch:
    """The Home tab's *Search* button and the modal that finds requests and lists them."""

    block = "home_search_actions"
    button = "home_search"
    callback = "home_search"
    words = "words"  # a number, or words of the title, details or client
    person = "person"  # requests this person filed or claimed
    value = "value"


class HomeTrends:
    """The Home tab's *Trends* button (leads and admins only) and the page it opens."""

    button = "home_trends"
    callback = "trends_page"


class HomeMore:
    """The "Show more" and "Show fewer" buttons under a Home section; their value names the
    section (bot/domain/home.py `SECTIONS`)."""

    button = "home_show_more"
    fewer = "home_show_fewer"


class HomeItem:
    """A request listed on the Home tab. Its buttons that act reuse the card's and the
    requester DM's action ids (`Card`, `Negotiation`, `Answer`, `Requester`), so one handler
    serves each action wherever it is clicked; only the link to the card is the Home's own.
    Block ids are "<section>:<request id>", unique within the view."""

    open_card = "home_open_card"


class SettingsIds:
    """The Settings section of the Home tab and its modals. Buttons' values name what they edit
    (a department's key, a digest's number); each modal's private_metadata says the same."""

    block = "settings_actions"
    # Buttons.
    edit_department = "settings_edit_department"
    add_department = "settings_add_department"
    holidays = "settings_holidays"
    add_digest = "settings_add_digest"
    edit_digest = "settings_edit_digest"
    reactions = "settings_reactions"
    nudges = "settings_nudges"
    history = "settings_history"
    history_page = "settings_history_page"
    tracker = "settings_tracker"  # value: the department's key
    trackers_block = "settings_trackers"
    # Request types: a fulfilling department's page (the button's value is its key), and on it
    # adding a type, each type's menu ("<choice>:<type key>") and its fields' menu
    # ("<type key>:<field key>"), each opening a form pushed over the page.
    request_types = "settings_request_types"
    add_type = "settings_add_type"
    type_menu = "settings_type_menu"
    field_menu = "settings_field_menu"
    # The modals' callback ids.
    department_callback = "settings_department"
    holidays_callback = "settings_holidays"
    digest_callback = "settings_digest"
    reactions_callback = "settings_reactions"
    nudges_callback = "settings_nudges"
    history_callback = "settings_history"
    tracker_callback = "settings_tracker"
    types_callback = "settings_types"
    type_callback = "settings_type"
    field_callback = "settings_type_field"
    # Every input element's action id.
    value = "value"


class Setup:
    """The setup on the Home tab of a workspace not set up yet: each step's button (its value
    names the step) opens the step's modal, whose callback id is `callback` + the step."""

    block = "setup_actions"  # one actions block per step: "setup_actions:<step>"
    open = "setup_open"
    skip = "setup_skip"  # leave the digest out, and finish
    finish = "setup_finish"
    callback = "setup_"
    # The steps.
    asking = "asking"  # the department that asks for work
    doing = "doing"  # the department that does it, and its intake channel
    digest = "digest"  # the channel of the weekly digest
    # The modals' input blocks, named as the config file's keys; every element's action id is
    # `value`. Business hours are two time pickers.
    name = "name"
    members = "members"
    usergroup = "usergroup"
    leads = "leads"
    intake_channel = "intake_channel"
    timezone = "timezone"
    opens = "opens"
    closes = "closes"
    workdays = "workdays"
    channel = "channel"
    weekday = "weekday"
    time = "time"
    value = "value"
