"""MongoDB plumbing: client factory, optimistic concurrency, embedded outbox, idempotency."""
