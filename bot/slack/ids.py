"""Every Slack identifier the app defines: command, callback, block and action ids."""

from __future__ import annotations

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
    # Every input element uses this action id; the block id says which field it is.
    value = "value"
