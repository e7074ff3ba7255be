"""The default kinds of request (诉求类别). The catalogue, with time limits and extra fields
per kind, becomes editable data with its own issue; these are its defaults."""

from shared.contracts.events.common import LocalizedText

KINDS: dict[str, LocalizedText] = {
    "emergency": LocalizedText(zh="紧急求助", en="Emergency"),
    "repair": LocalizedText(zh="维修", en="Repair"),
    "hardship_help": LocalizedText(zh="困难帮扶", en="Hardship help"),
    "neighbour_dispute": LocalizedText(zh="邻里纠纷", en="Neighbour dispute"),
    "health": LocalizedText(zh="健康", en="Health"),
    "environment": LocalizedText(zh="环境卫生", en="Environment"),
    "suggestion": LocalizedText(zh="建议", en="Suggestion"),
    "complaint": LocalizedText(zh="投诉", en="Complaint"),
}


class UnknownKind(ValueError):
    def __init__(self, kind: str) -> None:
        super().__init__(f"unknown request kind {kind!r}; one of: {', '.join(KINDS)}")


def kind_name(kind: str) -> LocalizedText:
    if kind not in KINDS:
        raise UnknownKind(kind)
    return KINDS[kind]
