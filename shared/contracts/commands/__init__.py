"""Command and query schemas, one module per serving service."""
