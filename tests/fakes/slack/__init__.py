"""The fake Slack Web API, one module per concern; FakeSlack (fake.py) is composed from them.
Tests import it from tests.fakes.slack_api."""
