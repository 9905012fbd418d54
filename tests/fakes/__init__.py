"""Test doubles that drive the app the way Slack does: a fake Web API and a request signer."""

from tests.fakes.signer import SlackClientSim, build_state_values, slack_signature
from tests.fakes.slack_api import Call, FakeSlack

__all__ = ["Call", "FakeSlack", "SlackClientSim", "build_state_values", "slack_signature"]
