"""One module per webhook event kind; each exposes `handle(ctx)`."""
