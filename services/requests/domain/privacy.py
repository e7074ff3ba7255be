"""Masking of personal information (PIPL, GB/T 35273): shown masked unless revealed.

A presentation policy of the requests service: what leaves it is masked here.
"""


def mask_phone(phone: str | None) -> str | None:
    """13812341234 -> 138****1234."""
    if not phone:
        return phone
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def mask_name(name: str | None) -> str | None:
    """张三丰 -> 张**: enough for a volunteer to recognise a neighbour, not for the public."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)
