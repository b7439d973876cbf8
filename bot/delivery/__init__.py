"""Getting the outbox out: the worker, the rate limits it books, the progress messages."""
