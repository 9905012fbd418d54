"""Settings in Slack: the Settings section's buttons open the modals, and each modal's submission
changes one section through `SettingsStore.change` (validated as the config file is, audited
with who changed it), then publishes the person's Home again. `SettingsForms` is that one way
of opening and submitting a settings modal; this module registers the department modal's
listeners with it, bot/slack/listeners/settings_sections.py the other sections'.

Every click and every submission checks who is asking (bot/slack/permissions.py): a forged
action or view from someone who may not change settings is refused and changes nothing. Slack
is never asked for longer than an answer can wait: a click whose asker is not known yet opens a
"checking" modal first and replaces it once Slack has said; a submission waits at most
`SUBMIT_WAIT` seconds for that, and as long for the check that Liaison can get into a channel
picked in it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.db.session import transaction
from bot.domain import outbox
from bot.domain.requests import ensure_workspace
from bot.domain.workspace_settings import CurrentSettings, section_of
from bot.runtime import Runtime
from bot.slack import membership, text
from bot.slack.blocks import department as department_form
from bot.slack.blocks.forms import ERROR_TEXT, errors_on_fields, read_conversation, read_text
from bot.slack.blocks.intake import view_metadata
from bot.slack.blocks.settings import notice_modal
from bot.slack.ids import SettingsIds
from bot.slack.listener_pool import after_answer
from bot.slack.listeners.intake import open_modal
from bot.slack.listeners.operations import update_modal
from bot.slack.permissions import SUBMIT_WAIT, SettingsAccess
from bot.slack.teams import team_of

log = logging.getLogger(__name__)

REFUSED = "Only workspace admins and owners, and leads for their own department, change settings."
CHECKING = "Checking that you may change Liaison's settings…"
NOT_CHECKED = "Slack didn't confirm in time that you may change settings. Please save again."
GONE = "That is no longer in the settings. Open the Home tab again to see them as they are."
FILE_MANAGED = (
    "These settings come from the config file {path}: change them there, and Liaison applies"
    " them when it starts."
)
NOT_INVITED = "Liaison isn't in that private channel: invite @Liaison to it first, then save."
CANT_JOIN = "Liaison couldn't join that channel ({problem}). Pick another, or try again."

# What a click opens: the modal for the person's access and the settings, or None to refuse.
Builder = Callable[[SettingsAccess, CurrentSettings, str], dict[str, Any] | None]
# What a submission would make the section, or `Gone` when what it edits is no longer there.
Value = Callable[[CurrentSettings], Any]
# The channel a submission picks, the one it replaces, and the block it was picked in.
PickedChannel = Callable[[CurrentSettings], tuple[str | None, str | None, str]]


class Gone:
    """What a submission's value is when the item it edits was removed meanwhile."""


def admin_only(make: Callable[[CurrentSettings, str], dict[str, Any] | None]) -> Builder:
    """A builder for what only admins open."""
    return lambda access, current, value: make(current, value) if access.admin else None


class SettingsForms:
    """Opening settings modals for those who may, and changing settings from their forms."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.store = runtime.workspace_settings
        self.permissions = runtime.permissions
        self._joiner = ThreadPoolExecutor(max_workers=2, thread_name_prefix="settings-join")

    # -- clicks -------------------------------------------------------------------------------

    def opener(self, build: Builder, *, edits: bool = True) -> Callable[..., None]:
        """A click listener that opens what `build` makes (`edits`: refused when the config
        file manages the settings)."""

        def on_click(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            after_answer(
                lambda: self.open_for(body, client, build, edits=edits), "opening a settings form"
            )

        return on_click

    def open_for(
        self, body: dict[str, Any], client: WebClient, build: Builder, *, edits: bool = True
    ) -> None:
        """Open what `build` makes of the asker's access, or a refusal; when Slack must be
        asked who they are, a "checking" modal first (the click's trigger lasts 3 s)."""
        team, user = team_of(body), body["user"]["id"]
        value = str(((body.get("actions") or [{}])[0]).get("value") or "")
        current = self.store.current(team)
        config = current.config
        as_lead = SettingsAccess(False, self.permissions.known_access(team, user, config).leads)

        def view_for(access: SettingsAccess) -> dict[str, Any]:
            if edits and current.read_only:
                return notice_modal("Settings", FILE_MANAGED.format(path=f"`{current.path}`"))
            built = build(access, current, value) if access.any else None
            return built or notice_modal("Settings", REFUSED)

        if self.permissions.knows(team, user):
            access = self.permissions.access(team, user, config)  # known: no call
            open_modal(client, body["trigger_id"], view_for(access))
            return
        if build(as_lead, current, value) is not None:  # a lead's own department: no call
            open_modal(client, body["trigger_id"], view_for(as_lead))
            return
        opened = open_modal(client, body["trigger_id"], notice_modal("Settings", CHECKING))
        wait = self.runtime.settings.slack_timeout_seconds
        access = self.permissions.access(team, user, config, wait=wait)
        if opened is not None:
            update_modal(client, opened, view_for(access))

    # -- submissions --------------------------------------------------------------------------

    def submit(
        self,
        ack: Ack,
        body: dict[str, Any],
        section: str,
        value: Value,
        *,
        fields: dict[str, str],
        fallback: str,
        skip: int,
        allowed: Callable[[SettingsAccess], bool],
        channel: PickedChannel | None = None,
        after: Callable[[], None] | None = None,
    ) -> bool:
        """Check who is asking, change one section, and answer: the problems on their fields
        (`fields`: the file's name of a field -> its block; `skip`: the parts of a problem's
        `loc` before the field's name; `fallback`: the block for the others), or close the
        modal, publish the person's Home again and run `after` (e.g. show the page the form
        was pushed over as it is now). Whether the section was changed."""
        team, user = team_of(body), body["user"]["id"]
        current = self.store.current(team)
        access = self.permissions.access(team, user, current.config, wait=SUBMIT_WAIT)
        if not allowed(access):
            if not self.permissions.knows(team, user):  # Slack did not say in time
                ack(response_action="errors", errors={fallback: NOT_CHECKED})
                return False
            log.warning("refused a settings change by %s: not an admin or the lead", user)
            ack(response_action="errors", errors={fallback: REFUSED})
            return False
        if current.read_only:
            refusal = FILE_MANAGED.format(path=current.path)
            ack(response_action="errors", errors={fallback: text.plain(refusal, ERROR_TEXT)})
            return False
        new = value(current)
        if new is Gone:
            ack(response_action="errors", errors={fallback: GONE})
            return False
        if channel is not None:
            picked, before, block = channel(current)
            problem = self.channel_problem(team, picked, before)
            if problem is not None:
                ack(response_action="errors", errors={block: problem})
                return False
        problems = self.store.change(team, section, new, by=user)
        if problems:
            errors = errors_on_fields(problems, fields, fallback, skip=skip)
            ack(response_action="errors", errors=errors)
            return False
        ack()

        def then() -> None:
            self.publish_home(team, user)
            if after is not None:
                after()

        after_answer(then, f"what follows a change of {section}")
        return True

    def channel_problem(self, team: str, channel: str | None, before: str | None) -> str | None:
        """Why Liaison cannot use `channel`, joining it when it is public; None when it can (or
        it is the channel already set, or Slack did not answer in time: the outbox joins it,
        or asks for an invitation, when it first posts there)."""
        if not channel or channel == before:
            return None
        client = self.runtime.client_for(team)
        future = self._joiner.submit(membership.join, client, channel)
        try:
            problem = future.result(timeout=SUBMIT_WAIT)
        except FutureTimeout:
            return None
        except (OSError, TimeoutError) as error:
            log.info("could not check channel %s: %s", channel, error)
            return None
        if problem is None:
            with transaction(self.runtime.sessions) as session:
                workspace = ensure_workspace(session, team_id=team, now=self.runtime.clock())
                membership.note_usable(session, workspace_id=workspace.id, channel=channel)
            return None
        if problem in ("not_invited", membership.NOT_VISIBLE):
            return NOT_INVITED
        return CANT_JOIN.format(problem=problem)

    def publish_home(self, team: str, user: str) -> None:
        """Publish `user`'s Home again through the outbox (after the answer to Slack)."""
        now = self.runtime.clock()
        with transaction(self.runtime.sessions) as session:
            workspace = ensure_workspace(session, team_id=team, now=now)
            outbox.publish_home(session, workspace_id=workspace.id, user_id=user, now=now)
        self.runtime.outbox.send_homes()


# -- the department modal ----------------------------------------------------------------------


def register(app: App, runtime: Runtime) -> None:
    forms = SettingsForms(runtime)

    def edit_department(
        access: SettingsAccess, current: CurrentSettings, key: str
    ) -> dict[str, Any] | None:
        if not access.may_edit_department(key):
            return None
        department = current.config.find_department(key)
        if department is None:
            return notice_modal("Settings", GONE)
        return department_form.department_modal(department)

    app.action(SettingsIds.edit_department)(forms.opener(edit_department))
    add = admin_only(lambda current, value: department_form.department_modal(None))
    app.action(SettingsIds.add_department)(forms.opener(add))

    @app.view(SettingsIds.department_callback)
    def on_department(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        key = view_metadata(view).get("key")
        key = key if isinstance(key, str) and key else None
        forms.submit(
            ack,
            body,
            "departments",
            lambda current: departments_with(current, view, key),
            fields=department_form.FIELDS,
            fallback=department_form.NAME,
            skip=2,
            allowed=lambda access: access.may_edit_department(key),
            channel=lambda current: intake_of(current, view, key),
        )


def departments_with(current: CurrentSettings, view: dict[str, Any], key: str | None) -> Any:
    """The departments section with the submitted department in place of `key`'s (appended
    under a new key when `key` is None); `Gone` when `key` names no department any more."""
    tables = section_of(current.document, "departments")
    keys = [table.get("key") for table in tables]
    if key is None:
        name = read_text(view, department_form.NAME)
        new = department_form.new_key(name, {str(k) for k in keys})
        return [*tables, department_form.read_department(view, new)]
    if key not in keys:
        return Gone
    tables[keys.index(key)] = department_form.read_department(view, key)
    return tables


def intake_of(
    current: CurrentSettings, view: dict[str, Any], key: str | None
) -> tuple[str | None, str | None, str]:
    before = current.config.find_department(key)
    picked = read_conversation(view, department_form.INTAKE)
    return picked, before.intake_channel if before else None, department_form.INTAKE
