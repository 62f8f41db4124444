"""What the bot does, step by step, for each kind of user; handlers call these."""
