"""The activities service's pure rules: no I/O."""
