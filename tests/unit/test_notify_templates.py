"""Templates in the sandbox: rendering, the time filters, undefined names refused, escapes
out of the sandbox refused, checking a template's names, syntax errors."""

from datetime import UTC, date, datetime

import pytest

from services.notify.domain import templates
from services.notify.domain.templates import CONTEXT_VARIABLES, TemplateError, check, render

pytestmark = pytest.mark.unit

TZ = "Asia/Shanghai"


def test_renders_fields_nested_fields_and_conditionals() -> None:
    variables = {"title": "漏水", "activity": {"place": "党群服务站"}, "urgency": "urgent"}
    text = "{% if urgency == 'urgent' %}【紧急】{% endif %}{{ title }}@{{ activity.place }}"
    assert render(text, variables, TZ) == "【紧急】漏水@党群服务站"


def test_plain_text_is_not_html_escaped() -> None:
    assert render("{{ title }}", {"title": "<b>A&B</b> 'x'"}, TZ) == "<b>A&B</b> 'x'"


def test_an_absent_optional_field_reads_as_nothing_not_none() -> None:
    assert render("[{{ notes }}]", {"notes": None}, TZ) == "[]"


def test_a_context_variable_the_fan_out_left_out_renders_empty() -> None:
    assert "community_name" in CONTEXT_VARIABLES
    assert render("社区：{{ community_name }}", {}, TZ) == "社区："


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2026-05-27T01:30:00Z", "2026-05-27 09:30"),
        ("2026-05-27T01:30:00+00:00", "2026-05-27 09:30"),
        ("2026-05-27T16:30:00Z", "2026-05-28 00:30"),
        (datetime(2026, 5, 27, 1, 30, tzinfo=UTC), "2026-05-27 09:30"),
        ("2026-05-27T01:30:00", "2026-05-27 09:30"),  # naive: taken as UTC, as stored
        ("2026-05-27", "2026-05-27"),
        (date(2026, 5, 27), "2026-05-27"),
        ("not a time", "not a time"),
        (None, ""),
    ],
)
def test_local_shows_a_moment_in_the_subdistricts_time_zone(value: object, shown: str) -> None:
    assert render("{{ at | local }}", {"at": value}, TZ) == shown


def test_local_follows_the_time_zone_given() -> None:
    at = {"at": "2026-05-27T01:30:00Z"}
    assert render("{{ at | local }}", at, "Europe/London") == "2026-05-27 02:30"


def test_date_time_and_num_filters() -> None:
    at = {"at": "2026-05-27T16:30:00Z", "day": "2026-06-01", "h": 2.0, "half": 2.5}
    assert render("{{ at | date }} {{ at | time }}", at, TZ) == "5月28日 00:30"
    assert render("{{ day | date }} / {{ day | date('en') }}", at, TZ) == "6月1日 / Jun 1"
    assert render("{{ h | num }}h {{ half | num }}h", at, TZ) == "2h 2.5h"


def test_an_undefined_name_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(TemplateError, match="undefined"):
        render("你好 {{ nobody }}", {}, TZ)
    with pytest.raises(TemplateError):
        render("{{ activity.nowhere }}", {"activity": {"place": "x"}}, TZ)


@pytest.mark.parametrize(
    "escape",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ title.__class__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ lipsum.__globals__['os'] }}",
        "{{ '{0.__class__.__mro__}'.format(title) }}",
    ],
)
def test_escaping_the_sandbox_is_refused_and_leaks_nothing(escape: str) -> None:
    with pytest.raises(TemplateError) as refused:
        render(escape, {"title": "x"}, TZ)
    message = str(refused.value)
    assert message.startswith("not allowed in a template: access to attribute")
    assert "<class" not in message and "object at 0x" not in message


def test_a_template_cannot_change_the_variables_it_renders_with() -> None:
    variables = {"ids": ["m1"]}
    with pytest.raises(TemplateError, match="not allowed in a template"):
        render("{{ ids.append('m2') }}", variables, TZ)
    assert variables == {"ids": ["m1"]}


@pytest.mark.parametrize(
    "huge", ["{{ 'x' * 100000000 }}", "{{ 9 ** 9999999 }}", "{{ range(10**9) }}"]
)
def test_huge_repetitions_and_numbers_are_refused(huge: str) -> None:
    with pytest.raises(TemplateError):
        render(huge, {}, TZ)


def test_small_repetitions_are_fine() -> None:
    assert render("{{ '★' * level }}", {"level": 3}, TZ) == "★★★"


def test_other_faults_of_a_template_are_template_errors() -> None:
    with pytest.raises(TemplateError, match="ZeroDivisionError"):
        render("{{ 1 / 0 }}", {}, TZ)
    with pytest.raises(TemplateError, match="line 1"):
        render("{% if x %}", {"x": 1}, TZ)


def test_check_lists_the_names_not_allowed_sorted() -> None:
    text = "{{ title }} {{ zeta.x }} {% if alpha %}{{ title }}{% endif %} {{ deadline | local }}"
    assert check(text, {"title", "deadline"}) == ["alpha", "zeta"]
    assert check(text, {"title", "deadline", "alpha", "zeta"}) == []


def test_check_ignores_names_a_template_sets_itself() -> None:
    text = "{% set n = {'a': 'b'} %}{% for x in items %}{{ n.get(x) }}{% endfor %}"
    assert check(text, {"items"}) == []


@pytest.mark.parametrize(
    "broken", ["{{ title ", "{% if title %}", "{% endfor %}", "{{ title | no_such_filter }}"]
)
def test_check_reports_a_template_that_does_not_parse(broken: str) -> None:
    with pytest.raises(TemplateError, match="line 1"):
        check(broken, {"title"})


def test_variables_for_an_event_are_its_fields_and_the_context() -> None:
    variables = templates.variables_for("ActivityPublished")
    assert set(CONTEXT_VARIABLES) <= set(variables)
    assert "activity.place" in variables["activity"]
    assert "activity.starts_at" in variables["activity"]
    created = templates.variables_for("RequestCreated")
    assert {"title", "urgency", "kind_name", "location", "entered_by"} <= set(created)
    assert "kind_name.zh" in created["kind_name"]
    with pytest.raises(KeyError):
        templates.variables_for("RequestTeleported")
