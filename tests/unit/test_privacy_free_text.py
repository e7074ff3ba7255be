"""Phone and ID numbers typed into free text (titles, descriptions, notes) leave the requests
service masked: in its views and in the RequestCreated event that feeds the inbox and the
live feed. The stored text keeps the resident's own words."""

from datetime import UTC, datetime

import pytest

from services.requests.domain.model import submit
from services.requests.domain.privacy import mask_text
from services.requests.handlers import public
from shared.contracts.commands.requests import CreateRequest

pytestmark = pytest.mark.unit

NOW = datetime(2026, 5, 27, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        ("请回电13800000123谢谢", "请回电138****0123谢谢"),
        ("电话：138 0000 0123，找王阿姨", "电话：138 **** 0123，找王阿姨"),
        ("电话138-0000-0123", "电话138-****-0123"),
        ("联系+8613800000123或008613900000456", "联系+86138****0123或0086139****0456"),
        ("全角１３８００００１２３４号", "全角１３８****１２３４号"),
        ("13800000123和13900000456都可以", "138****0123和139****0456都可以"),
        ("身份证号110101199003071234，", "身份证号110101********1234，"),
        ("身份证11010119900307123X已登记", "身份证110101********123X已登记"),
        ("证件号11010119900307123x", "证件号110101********123x"),
        ("全角１１０１０１１９９００３０７１２３Ｘ", "全角１１０１０１********１２３Ｘ"),
        ("老身份证110101900307123", "老身份证110101*****7123"),
        ("河北身份证130102199003071234", "河北身份证130102********1234"),  # starts like a mobile
        # Not personal numbers: left as they are.
        ("3栋2单元501室", "3栋2单元501室"),
        ("订单2024051312345678901", "订单2024051312345678901"),  # 19 digits
        ("编号138000001234", "编号138000001234"),  # 12 digits: not a mobile number
        ("座机12345号", "座机12345号"),
        ("2026年5月27日9:00", "2026年5月27日9:00"),
        ("", ""),
        (None, None),
    ],
)
def test_phone_and_id_numbers_in_free_text_are_masked(said: str | None, shown: str | None) -> None:
    assert mask_text(said) == shown


def command(**fields: object) -> CreateRequest:
    body = {"kind": "repair", "title": "漏水", "location": {"community_id": "jingxing"}}
    return CreateRequest.model_validate({**body, **fields})


def test_the_event_title_is_masked_and_the_stored_title_is_not() -> None:
    title = "王阿姨13800000123家漏水"
    request, event = submit(command(title=title), request_id="r1", now=NOW)
    assert request.title == title, "the store keeps the resident's own words"
    assert event.title == "王阿姨138****0123家漏水"
    assert "13800000123" not in event.model_dump_json()


def test_the_view_masks_free_text_and_a_reveal_does_not_unmask_it() -> None:
    request, _ = submit(
        command(
            title="身份证11010119900307123X补办",
            description="请打13800000123，或１３９００００４５６７",
            resident_phone="13800000123",
        ),
        request_id="r2",
        now=NOW,
    )
    doc = {"_id": request.id, **request.model_dump(mode="python", exclude={"id"})}
    doc["timeline"] = [{"note": "已电话13800000123联系"}, {"note": None}, "odd"]
    for reveal in ((), ("phone", "name")):
        view = public(doc, reveal=reveal)
        assert view["title"] == "身份证110101********123X补办"
        assert view["description"] == "请打138****0123，或１３９****４５６７"
        assert view["timeline"] == [{"note": "已电话138****0123联系"}, {"note": None}, "odd"]
    assert public(doc, reveal=("phone",))["resident"]["phone"] == "13800000123"
    assert doc["title"] == "身份证11010119900307123X补办", "the stored document is untouched"
