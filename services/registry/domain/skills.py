"""The managed list of skills a member may have: codes with Chinese and English names.

The defaults are what the subdistrict's teams do (talks, clapper-talk shows, health checks,
repairs, …); a subdistrict_admin adds or renames skills through the gateway."""

from typing import Final

DEFAULT_SKILLS: Final[dict[str, tuple[str, str]]] = {
    "talks": ("宣讲", "Talks"),
    "clapper_talk": ("快板", "Clapper-talk"),
    "medical": ("医疗", "Medical"),
    "repair": ("维修", "Repair"),
    "legal": ("法律咨询", "Legal advice"),
    "psychological": ("心理疏导", "Psychological support"),
    "teaching": ("教学辅导", "Teaching"),
    "elder_care": ("助老", "Elder care"),
    "mediation": ("矛盾调解", "Mediation"),
    "environment": ("环境整治", "Environment"),
    "culture": ("文艺", "Arts and culture"),
    "photography": ("摄影", "Photography"),
}
