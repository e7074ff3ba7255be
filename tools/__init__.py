"""Developer tools: generated documentation."""
