"""Background loops: inbox handling, outbox sending, scheduled jobs."""
