"""The default rules' table in docs/notify.md, generated from services/notify/domain/rules.py:

    python -m tools.notify_rules_doc          # rewrite the section between the markers
    python -m tools.notify_rules_doc --check  # exit 1 if the document is out of date

tests/unit/test_notify_rules_doc.py fails while the document lists other rules than the code.
"""

import argparse
import sys
from pathlib import Path
from typing import Final

from services.notify.domain.rules import DEFAULT_RULES, SILENT
from shared.contracts.catalogue import catalogue

DOC: Final = Path(__file__).resolve().parents[1] / "docs" / "notify.md"
BEGIN: Final = "<!-- rules:begin (python -m tools.notify_rules_doc) -->"
END: Final = "<!-- rules:end -->"


def _service_of() -> dict[str, str]:
    return {spec.name: spec.service for spec in catalogue().values()}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rules_section() -> str:
    """Two tables: every default rule, then every silent event type with its reason; each
    in the catalogue's services' order, then by name."""
    service_of = _service_of()

    def order(name: str) -> tuple[str, str]:
        return (service_of.get(name, "~"), name)

    lines = [
        BEGIN,
        "",
        "| event type | from | audiences | priority | channels |",
        "|---|---|---|---|---|",
    ]
    for name in sorted(DEFAULT_RULES, key=order):
        rule = DEFAULT_RULES[name]
        lines.append(
            f"| `{name}` | {service_of.get(name, '?')} | {', '.join(rule.audiences)} "
            f"| {rule.priority} | {', '.join(rule.channels)} |"
        )
    lines += ["", "Silent (no notice), each for a reason:", "", "| event type | from | why |"]
    lines.append("|---|---|---|")
    for name in sorted(SILENT, key=order):
        lines.append(f"| `{name}` | {service_of.get(name, '?')} | {_cell(SILENT[name])} |")
    lines += ["", END]
    return "\n".join(lines)


def with_section(document: str) -> str:
    head, begin, rest = document.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise ValueError(f"{DOC.name} lacks the markers {BEGIN!r} … {END!r}")
    return head + rules_section() + tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only say if it is out of date")
    args = parser.parse_args(argv)
    current = DOC.read_text(encoding="utf-8")
    wanted = with_section(current)
    if args.check:
        if wanted != current:
            print(f"{DOC} is out of date: python -m tools.notify_rules_doc", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
