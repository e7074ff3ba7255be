"""NATS plumbing: streams, durable event consumers with dead-lettering, request/reply."""
