"""Templates: Jinja2 in a sandbox, undefined variables refused. Pure.

A rule's template may use the cause event's top-level fields (`title`, `activity`, …; nested
ones by dot: `activity.place`) and the CONTEXT_VARIABLES the fan-out adds."""

# Added by the fan-out to every event's variables.
CONTEXT_VARIABLES: dict[str, str] = {
    "recipient_name": "the recipient's masked name (李**), or the desk's name",
    "community_name": "the name of the event's community, when known",
    "subdistrict": "the subdistrict's id",
    "event_time": "when the event happened, local time (YYYY-MM-DD HH:MM)",
    "proxy_for": "the resident's masked name, when the recipient is told on their behalf",
    "link": "the path of the thing in the console, e.g. /console/requests/r1",
}
