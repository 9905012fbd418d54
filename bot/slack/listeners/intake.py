"""Filing a request: `/request` (and its sub-commands), the "Create request" message shortcut,
and the intake modal's submission."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import NoResultFound, SQLAlchemyError
from sqlalchemy.orm import Session

from bot.config import Department, LiaisonConfig
from bot.db.session import reading, transaction
from bot.domain import filing, outbox, requests, trackers
from bot.domain.lifecycle import Surface
from bot.domain.models import Request
from bot.domain.people import MembershipUnknown
from bot.domain.realistic import Realistic
from bot.domain.request_types import request_type_of
from bot.domain.requests import RequestDraft
from bot.domain.usergroups import directory_for_team, directory_reading
from bot.runtime import Runtime
from bot.slack import text
from bot.slack.blocks import replies
from bot.slack.blocks.intake import (
    field_errors,
    intake_modal,
    read_intake,
    redrawn,
    shows_its_type,
    view_metadata,
)
from bot.slack.blocks.notes import notice_modal
from bot.slack.blocks.setup import NOT_SET_UP
from bot.slack.decode import Lookup, decode, message_files, message_text
from bot.slack.ids import COMMAND, Intake
from bot.slack.inbox import SourceListener
from bot.slack.listener_pool import after_answer
from bot.slack.listeners import promise
from bot.slack.listeners.operations import (
    GONE,
    MEMBERSHIP_LOADING,
    Outcome,
    apply,
    by_id,
    first_delivery,
    open_modal,
    update_modal,
)
from bot.slack.names import SlackNames, at_most
from bot.slack.permalinks import WorkspaceHosts, own_permalink

log = logging.getLogger(__name__)

NOT_A_REQUESTER = (
    "Only members of a requesting department can file requests, and you're not in one. "
    "Ask your lead or the Liaison admin to add you to the `members` of your department in the "
    "Liaison configuration."
)
# Names a prefill may ask Slack for; any more mentions read from their labels.
MAX_LOOKUPS = 10
# Where the checked intake forms are stored (an inbox source, as a tracker's webhooks are).
FORMS = "intake"
SAVE_FAILED = "Couldn't save the request just now. Nothing was filed; please try again in a minute."


def register(app: App, runtime: Runtime) -> None:
    names = SlackNames(runtime.client_for)
    hosts = WorkspaceHosts(runtime.client_for)

    def people(team_id: str) -> Lookup:
        return at_most(names.users_of(team_id), MAX_LOOKUPS)

    def channels(team_id: str) -> Lookup:
        return at_most(names.channels_of(team_id), MAX_LOOKUPS)

    @app.command(COMMAND)
    def on_request_command(
        ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
    ) -> None:
        words = (command.get("text") or "").strip()
        verb, _, rest = words.partition(" ")
        verb = verb.lower()
        user_id = command["user_id"]
        if verb in ("help", "-h", "--help", "?"):
            ack(**replies.help_reply())
        elif verb == "check":
            try:
                ack(**promise.check_reply(runtime, _team(context), rest))
            except SQLAlchemyError:
                log.exception("the database failed while answering /request check")
                ack(**replies.reply(replies.UNAVAILABLE))
        elif verb in ("list", "status", "cancel"):
            try:
                if verb == "list":
                    answer, changed = _list_reply(runtime, context, user_id), None
                elif verb == "status":
                    answer, changed = _status_reply(runtime, context, user_id, rest), None
                else:
                    answer, changed = _cancel(runtime, context, user_id, rest)
            except SQLAlchemyError:
                log.exception("the database failed while answering /request %s", verb)
                answer, changed = replies.reply(replies.UNAVAILABLE), None
            ack(**answer)
            if changed is not None and changed.request_id is not None:
                runtime.send_soon(changed.request_id, issue=changed.issue_queued)
        else:
            ack()
            after_answer(lambda: open_intake(words, command, client, context, respond), "/request")

    def open_intake(
        words: str,
        command: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        respond: Respond,
    ) -> None:
        user_id = command["user_id"]
        try:
            config = runtime.config_for(_team(context))
            department = _requesting_department(runtime, config, _team(context), user_id)
        except MembershipUnknown:
            respond(**replies.reply(MEMBERSHIP_LOADING))
            return
        except SQLAlchemyError:
            log.exception("the database failed while checking who may file")
            respond(**replies.reply(replies.UNAVAILABLE))
            return
        if department is None:
            respond(**replies.reply(_refusal(config)))
            return
        # As for the shortcut: the modal opens at once with the names already known, and
        # those that need a look-up follow with views.update.
        team, metadata = _team(context), {"surface": Surface.MODAL.value}
        first = prefill_title(words, names.known_users_of(team))
        realistic = _realistic(runtime, config, team)
        opened = open_modal(
            client,
            command["trigger_id"],
            intake_modal(
                config=config,
                draft=RequestDraft(title=first),
                metadata=metadata,
                realistic=realistic,
            ),
        )
        if opened is None:
            return
        title = prefill_title(words, people(team))
        if title != first:
            draft = RequestDraft(title=title)
            view = intake_modal(config=config, draft=draft, metadata=metadata, realistic=realistic)
            update_modal(client, opened, view)

    @app.shortcut(Intake.shortcut)
    def on_create_request_shortcut(
        ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        after_answer(lambda: open_from_message(body, client, context), "the message shortcut")

    def open_from_message(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        user_id = body["user"]["id"]
        try:
            config = runtime.config_for(_team(context))
            department = _requesting_department(runtime, config, _team(context), user_id)
        except MembershipUnknown:
            open_modal(client, body["trigger_id"], notice_modal(MEMBERSHIP_LOADING))
            return
        except SQLAlchemyError:
            log.exception("the database failed while checking who may file")
            open_modal(client, body["trigger_id"], notice_modal(replies.UNAVAILABLE))
            return
        if department is None:
            open_modal(client, body["trigger_id"], notice_modal(_refusal(config)))
            return
        message = body.get("message") or {}
        team = _team(context)
        metadata: dict[str, Any] = {"surface": Surface.SHORTCUT.value}
        # The modal opens at once, while the trigger is fresh, with the names already known;
        # what needs a look-up in Slack (the link back to the message, other people's and
        # channels' names) is filled in afterwards with views.update.
        first = draft_from_message(
            message,
            None,
            user_name=names.known_users_of(team),
            channel_name=names.known_channels_of(team),
        )
        realistic = _realistic(runtime, config, team)
        opened = open_modal(
            client,
            body["trigger_id"],
            intake_modal(config=config, draft=first, metadata=metadata, realistic=realistic),
        )
        if opened is None:
            return
        channel_id = (body.get("channel") or {}).get("id")
        source = own_permalink(
            _permalink(client, channel_id, message.get("ts") or body.get("message_ts")),
            host=hosts.host(team),
        )
        draft = draft_from_message(
            message, source, user_name=people(team), channel_name=channels(team)
        )
        if draft == first and source is None:
            return
        view = intake_modal(
            config=config,
            draft=draft,
            metadata={**metadata, "source": source} if source else metadata,
            realistic=realistic,
        )
        update_modal(client, opened, view)

    @app.view(Intake.callback)
    def on_intake_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
    ) -> None:
        user_id = body["user"]["id"]
        try:
            config = runtime.config_for(_team(context))
        except SQLAlchemyError:
            log.exception("the database failed while reading the settings")
            ack(response_action="errors", errors={Intake.title: SAVE_FAILED})
            return
        draft = read_intake(view, config=config)
        if draft.source_permalink:
            # The form brings the link back from Slack; it is kept only if it still is a
            # permalink of this workspace (anything else could be a script or a lure).
            host = hosts.host(_team(context))
            draft = replace(
                draft, source_permalink=own_permalink(draft.source_permalink, host=host)
            )
        now = runtime.clock()
        if not shows_its_type(view, draft):
            # The type changed without Slack telling us: show its fields first.
            ack(response_action="update", view=redrawn(view, draft, config))
            return
        today = now.astimezone(ZoneInfo(config.organization.timezone)).date()
        problems = requests.validate_draft(draft, today=today, config=config)
        if problems:
            ack(response_action="errors", errors=field_errors(problems, config=config, draft=draft))
            return
        draft = requests.clean_draft(draft, config=config)
        try:
            department = _requesting_department(runtime, config, _team(context), user_id)
        except MembershipUnknown:
            ack(response_action="errors", errors={Intake.title: MEMBERSHIP_LOADING[:150]})
            return
        except SQLAlchemyError:
            log.exception("the database failed while checking who may file")
            ack(response_action="errors", errors={Intake.title: SAVE_FAILED})
            return
        if department is None:
            ack(response_action="errors", errors={Intake.title: _refusal(config)[:150]})
            return
        instead, despite_warning = promise.before_filing(
            runtime, config, _team(context), draft, view
        )
        if instead is not None:
            ack(**instead)
            return
        surface = Surface.SHORTCUT if _surface(view) == Surface.SHORTCUT else Surface.MODAL
        submission = filing.Submission(
            form_id=f"view:{view.get('id') or uuid4().hex}",
            team_id=_team(context),
            requester_id=user_id,
            requesting_department=department.key,
            draft=draft,
            surface=surface,
            filed_despite_warning=despite_warning,
            submitted_at=now,
        )
        try:
            # Stored before the answer, filed after it (`file_submission`): the modal closes
            # once nothing can lose the request.
            runtime.store_event(submission.as_stored(), source=FORMS)
        except SQLAlchemyError:
            log.exception("could not store a request from %s", user_id)
            ack(response_action="errors", errors={Intake.title: SAVE_FAILED})
            return
        ack()


def form_listeners(runtime: Runtime) -> dict[str, SourceListener]:
    """Files the intake forms stored at their submission, once they are answered."""

    def on_form_stored(stored: dict[str, Any]) -> None:
        file_submission(runtime, filing.Submission.from_stored(stored))

    return {FORMS: on_form_stored}


def file_submission(runtime: Runtime, submission: filing.Submission) -> None:
    """File a checked form as of its submission, once: the same form stored twice (Slack's retry
    after a slow answer, or a second click on Submit after an error) files one request."""
    team, now = submission.team_id, submission.submitted_at
    with transaction(runtime.sessions) as session:
        workspace_id, number = filing.take_request_number(session, team_id=team, now=now)
    version = runtime.workspace_settings.current(team).version
    try:
        with transaction(runtime.sessions) as session:
            if not first_delivery(session, submission.form_id, now):
                return
            departments = runtime.departments.of(
                session,
                workspace_id=workspace_id,
                version=version,
                keys=filing.filing_keys(submission.draft, submission.requesting_department),
            )
            request = filing.file_numbered(
                session,
                workspace_id=workspace_id,
                departments=departments,
                requester_id=submission.requester_id,
                requesting_department=submission.requesting_department,
                draft=submission.draft,
                surface=submission.surface,
                now=now,
                number=number,
                filed_despite_warning=submission.filed_despite_warning,
            )
            issue = trackers.issue_queued(session, request.id)
    except NoResultFound:
        # A department of the form left the settings between its submission and now: the form
        # is done with, and its sender is told from the outbox (once, and retried like any
        # message while Slack fails).
        with transaction(runtime.sessions) as session:
            if first_delivery(session, submission.form_id, now):
                outbox.enqueue_message(
                    session,
                    workspace_id=workspace_id,
                    template=outbox.NOT_FILED,
                    channel=submission.requester_id,
                    payload={"title": submission.draft.title},
                    now=now,
                )
        runtime.work_soon(runtime.outbox.send_due, "telling a form's sender it was not filed")
        return
    runtime.send_soon(request.id, issue=issue)


def prefill_title(words: str, user_name: Lookup) -> str:
    """The words after `/request`, decoded into what the person typed, as a title."""
    return text.truncate(decode(words, user_name=user_name).strip(), requests.MAX_TITLE)


def draft_from_message(
    message: dict[str, Any], source: str | None, *, user_name: Lookup, channel_name: Lookup
) -> RequestDraft:
    """A draft from a message, decoded for a person: its first line as the title, the whole text
    as details, with a link to each file shared in it."""
    # Only what can fit in the details is decoded (names make it longer, entities shorter).
    encoded = message_text(message)[: 2 * requests.MAX_DETAILS]
    body = decode(encoded, user_name=user_name, channel_name=channel_name).strip()
    files = message_files(message)
    listed = "\n".join(f"• {name}: {link}" for name, link in files)
    if listed:
        listed = "Files:\n" + listed
        room = requests.MAX_DETAILS - len(listed) - 2
        body = text.truncate(body, room) if room > 0 else ""
    details = "\n\n".join(part for part in (body, listed) if part)
    first_line = next((line.strip() for line in body.splitlines() if line.strip()), "")
    title = first_line or (files[0][0] if files else "")
    return RequestDraft(
        title=text.truncate(title, requests.MAX_TITLE),
        details=text.truncate(details, requests.MAX_DETAILS),
        source_permalink=source,
    )


def _team(context: BoltContext) -> str:
    return context.team_id or context.enterprise_id or "unknown"


def _requesting_department(
    runtime: Runtime, config: LiaisonConfig, team_id: str, user_id: str
) -> Department | None:
    """The department `user_id` files for, from the workspace's settings and the user groups
    Liaison keeps in the database (never asking Slack: this runs before the answer); None also
    while the workspace is not set up (nobody can file yet)."""
    if not config.is_set_up:
        return None
    with directory_reading(runtime.sessions, config=config, team_id=team_id) as directory:
        return directory.requesting_department_for(user_id)


def _realistic(runtime: Runtime, config: LiaisonConfig, team_id: str) -> Realistic | None:
    """The realistic date of the only team that does work (with several, once one is chosen)."""
    fulfillers = config.fulfilling_departments()
    if len(fulfillers) != 1:
        return None
    draft = RequestDraft(title="", fulfilling_department=fulfillers[0].key)
    return promise.realistic_of_draft(runtime, config, team_id, draft)


def _refusal(config: LiaisonConfig) -> str:
    """Why someone with no requesting department cannot file."""
    return NOT_A_REQUESTER if config.is_set_up else NOT_SET_UP


def _surface(view: dict[str, Any]) -> str | None:
    surface = view_metadata(view).get("surface")
    return surface if isinstance(surface, str) else None


def _list_reply(runtime: Runtime, context: BoltContext, user_id: str) -> dict[str, Any]:
    with reading(runtime.sessions) as session:
        workspace = requests.find_workspace(session, team_id=_team(context))
        if workspace is None:
            return replies.list_reply(requests.Page([], 0))
        mine = requests.open_requests_of(
            session, workspace_id=workspace.id, requester_id=user_id, limit=replies.LISTED
        )
        config = runtime.config_for(_team(context))
        return replies.list_reply(mine, kind=lambda r: request_type_of(config, r))


def departments_of(
    session: Session, runtime: Runtime, context: BoltContext, user_id: str
) -> frozenset[str]:
    """The keys of the departments `user_id` belongs to, from the configuration and the user
    groups kept in the database (a group not read yet counts as not naming them)."""
    config = runtime.config_for(_team(context))
    directory = directory_for_team(session, config=config, team_id=_team(context))

    def belongs(department: Department) -> bool:
        try:
            return directory.is_member(user_id, department)
        except MembershipUnknown:
            return False

    return frozenset(d.key for d in config.departments if belongs(d))


def _not_found(number: int) -> str:
    # The same words whether the request does not exist or is not the person's to see, so that
    # guessing numbers tells nobody which exist.
    return f"There is no request REQ-{number} that you can see."


def _status_reply(
    runtime: Runtime, context: BoltContext, user_id: str, argument: str
) -> dict[str, Any]:
    number = requests.parse_reference(argument)
    if number is None:
        return replies.help_reply(f"Which request? Try `{COMMAND} status REQ-12`.")
    with reading(runtime.sessions) as session:
        departments = departments_of(session, runtime, context, user_id)
        request = _find_visible(session, context, user_id, departments, number)
        if request is None:
            return replies.reply(_not_found(number))
        history = requests.timeline(session, request=request, limit=replies.HISTORY)
        # Times read in each reader's zone; the fallback in the fulfilling department's.
        config = runtime.config_for(_team(context))
        department = config.find_department(request.fulfilling_department.key)
        zone = department.zone if department else ZoneInfo(config.organization.timezone)
        kind = request_type_of(config, request)
        awaited = requests.fields_awaited(session, config, request)
        return replies.status_reply(request, history, zone, request_type=kind, awaited=awaited)


def _find_visible(
    session: Session,
    context: BoltContext,
    user_id: str,
    departments: frozenset[str],
    number: int,
) -> Request | None:
    """Request `number` of the payload's workspace, if `user_id` may see it."""
    workspace = requests.find_workspace(session, team_id=_team(context))
    if workspace is None:
        return None
    request = requests.find_request(session, workspace_id=workspace.id, number=number)
    if request is None or not requests.may_see(request, user_id=user_id, departments=departments):
        return None
    return request


def _cancel(
    runtime: Runtime, context: BoltContext, user_id: str, argument: str
) -> tuple[dict[str, Any], Outcome | None]:
    """The answer to `/request cancel REQ-n`, and the change to deliver messages for."""
    number = requests.parse_reference(argument)
    if number is None:
        return replies.help_reply(f"Which request? Try `{COMMAND} cancel REQ-12`."), None
    with reading(runtime.sessions) as session:
        departments = departments_of(session, runtime, context, user_id)
        request = _find_visible(session, context, user_id, departments, number)
        request_id = request.id if request else None
    if request_id is None:
        return replies.reply(_not_found(number)), None
    outcome = apply(
        runtime,
        by_id(request_id, _team(context)),
        lambda wf, r: wf.cancel(r, user_id, Surface.SLASH_COMMAND),
        deliver=False,
    )
    if outcome is None:
        return replies.reply(GONE), None
    return replies.reply(outcome.message or ""), None if outcome.refused else outcome


def _permalink(client: WebClient, channel_id: str | None, ts: str | None) -> str | None:
    if not channel_id or not ts:
        return None
    try:
        return client.chat_getPermalink(channel=channel_id, message_ts=ts).get("permalink")
    except SlackApiError as error:
        log.info("no permalink for the source message: %s", error.response.get("error"))
        return None
