"""Fitting text into a channel's limit without cutting a character in half. Pure."""

ELLIPSIS = "…"


def fit_bytes(text: str, limit: int) -> str:
    """At most `limit` bytes of UTF-8; when cut, ends with "…" (counted in the limit)."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    room = limit - len(ELLIPSIS.encode("utf-8"))
    # A cut inside a multi-byte character leaves a partial sequence at the end: dropped.
    return encoded[: max(room, 0)].decode("utf-8", errors="ignore") + ELLIPSIS


def fit_chars(text: str, limit: int) -> str:
    """At most `limit` characters (as SMS counts them); when cut, ends with "…"."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(ELLIPSIS), 0)] + ELLIPSIS


def one_line(text: str) -> str:
    """Line breaks to spaces: for headers and SMS variables, which must stay on one line."""
    return " ".join(text.split())
