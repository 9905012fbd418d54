"""The fake Slack Web API the tests and bench scripts use (FakeSlack), under the name they import
it by. It lives in tests/fakes/slack/, one module per concern; see tests/fakes/slack/fake.py."""

from tests.fakes.slack.blockkit import block_errors, view_errors
from tests.fakes.slack.fake import FakeSlack
from tests.fakes.slack.recorder import Call
from tests.fakes.slack.server import _Server
from tests.fakes.slack.strictness import CHANNEL_BURST, TIER_2

__all__ = [
    "CHANNEL_BURST",
    "TIER_2",
    "Call",
    "FakeSlack",
    "_Server",
    "block_errors",
    "view_errors",
]
