"""The fake's Web API method handlers, grouped as Slack groups its methods."""

from tests.fakes.slack.methods.chat import ChatMethods
from tests.fakes.slack.methods.conversations import ConversationsMethods
from tests.fakes.slack.methods.files import FilesMethods
from tests.fakes.slack.methods.reactions import ReactionsMethods
from tests.fakes.slack.methods.users import UsersMethods
from tests.fakes.slack.methods.views import ViewsMethods

__all__ = [
    "ChatMethods",
    "ConversationsMethods",
    "FilesMethods",
    "ReactionsMethods",
    "UsersMethods",
    "ViewsMethods",
]
