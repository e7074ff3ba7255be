"""docs/notify.md lists every default rule and every silent event type, as the code has them
(regenerate with `python -m tools.notify_rules_doc`)."""

import pytest

from services.notify.domain.rules import DEFAULT_RULES, SILENT
from tools.notify_rules_doc import BEGIN, DOC, END, rules_section, with_section

pytestmark = pytest.mark.unit


def test_the_document_lists_the_rules_as_the_code_has_them() -> None:
    document = DOC.read_text(encoding="utf-8")
    assert with_section(document) == document, (
        "docs/notify.md's rules are out of date: python -m tools.notify_rules_doc"
    )


def test_every_rule_and_every_silent_type_has_a_row() -> None:
    section = rules_section()
    assert section.startswith(BEGIN) and section.endswith(END)
    for name in [*DEFAULT_RULES, *SILENT]:
        assert f"| `{name}` |" in section, name
