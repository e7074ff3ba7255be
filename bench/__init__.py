"""`make bench` (`python -m bench`): consumer throughput and slice end-to-end latency.

The benchmark reports figures; it never passes or fails. See docs/performance.md.
"""
