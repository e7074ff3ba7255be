"""Developer tools: generated documentation, `make up` and its demo data."""
