"""How long a failed send waits before the next try: exponential with full jitter, capped.
Full jitter spreads the retries of many deliveries that failed together (a robot endpoint
down for a minute) instead of sending them back in one burst. Pure (the caller gives the
random source)."""

import random

# A retry never fires at once: at least this long, or a tenth of the base if that is more
# (and never more than the cap, so a tiny base in tests stays tiny).
MIN_DELAY_S = 1.0
# 2**60 times any base is past every sensible cap; beyond it the float would overflow.
MAX_EXPONENT = 60


def cap_of(attempts: int, base_s: float, max_s: float) -> float:
    """The longest wait after the `attempts`-th failed try (1, 2, …): base·2^(attempts-1)."""
    exponent = min(max(attempts, 1) - 1, MAX_EXPONENT)
    return min(max_s, base_s * 2.0**exponent)


def next_delay(attempts: int, base_s: float, max_s: float, rng: random.Random) -> float:
    """Seconds to wait after the `attempts`-th failed try: uniform in [floor, cap]."""
    cap = cap_of(attempts, base_s, max_s)
    floor = min(cap, max(MIN_DELAY_S, base_s / 10))
    return max(floor, rng.uniform(0.0, cap))
