"""The fake Slack Web API, by concern."""
