"""Pure Block Kit builders: they take domain objects and return dicts, and never call Slack."""
