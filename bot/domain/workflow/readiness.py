"""Sending a request back as not ready, and the requester completing it.

A member of the fulfilling department names the fields of the request's type still missing or
unclear (and/or writes a note): the request waits in needs_info like a question (the status it
resumes, who asked, the needs-info nudges), recorded as a `not_ready` event. The requester
completes it from the DM: the named fields are stored, the request resumes, and the asker is
told. Until then a reply in the thread is conversation, not the answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.config import RequestType
from bot.domain import outbox
from bot.domain.lifecycle import EventKind, Surface
from bot.domain.models import Request
from bot.domain.request_types import field_labels, request_type_of
from bot.domain.requests import not_ready_episode
from bot.domain.workflow.done import Done, DoneCode
from bot.domain.workflow.questions import Questions
from bot.domain.workflow.refusals import Attempt


class Readiness(Questions):
    """Not ready: the fields still missing, and completing them."""

    def request_type_of(self, request: Request) -> RequestType | None:
        """The type the request was filed as, retired or not; None without one."""
        return request_type_of(self.config, request)

    def require_may_send_back(self, request: Request, user: str) -> None:
        self.require_open(request)
        self.require_member(request, user, Attempt.NOT_READY)

    def offer_send_back(self, request: Request, user: str) -> Done:
        """The "not ready" reaction: what is missing is named in a form, which only a click can
        open, so `user` is offered one (nothing changes yet)."""
        self.require_may_send_back(request, user)
        return Done(DoneCode.SEND_BACK_OFFERED, reference=request.reference)

    def send_back_not_ready(
        self,
        request: Request,
        user: str,
        missing: Sequence[str],
        note: str | None,
        surface: Surface,
    ) -> Done:
        """`user` sends the request back: `missing` names fields of its type (others are
        ignored), `note` says what else is wanted."""
        self.require_may_send_back(request, user)
        kind = self.request_type_of(request)
        fields = kind.only(missing).fields if kind is not None else ()
        keys = [f.key for f in fields]
        self._wait_on_requester(
            request, user, surface, EventKind.NOT_READY, {"missing": keys, "note": note}
        )
        facts = {"actor": user, "missing": [f.label for f in fields], "note": note}
        self._enqueue(outbox.NOT_READY, request, in_thread=True, **facts)
        self._enqueue(outbox.NOT_READY, request, channel=request.requester_id, **facts)
        return Done(DoneCode.SENT_BACK, reference=request.reference, requester=request.requester_id)

    def complete_request(
        self,
        request: Request,
        user: str,
        values: Mapping[str, Any],
        answer: str | None,
        surface: Surface,
    ) -> Done:
        """The requester completes a request sent back as not ready: `values` (field key →
        value, already checked) replace the named fields (an empty one is left out), `answer`
        replies to the note. The request resumes where it was and the asker is told."""
        self.require_open_question(request, user)
        episode = not_ready_episode(self.session, request) or {}
        named = [k for k in episode.get("missing") or [] if isinstance(k, str)]
        stored = dict(request.type_fields or {})
        for key in named:
            stored.pop(key, None)
        stored.update({k: v for k, v in values.items() if k in named})
        request.type_fields = stored
        asked_by, resume = self._stop_waiting_on_requester(request)
        labels = field_labels(self.config, request, named)
        self._move(
            request,
            resume,
            user,
            surface,
            EventKind.INFO_PROVIDED,
            data={"completed": named, "answer": answer},
        )
        self._note(request, "completed", actor=user, labels=labels, answer=answer)
        if asked_by:
            self._dm(asked_by, request, "completed", actor=user, labels=labels, answer=answer)
        self._estimate_changed(request, user, surface)
        return Done(DoneCode.COMPLETED, reference=request.reference, asked_by=asked_by)
