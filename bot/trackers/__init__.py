"""Issue trackers (GitHub Issues, Jira, Linear): a committed request becomes an issue there, and
what happens to the issue comes back to Slack. `access` holds each tracker's credentials and
API base from the environment."""
