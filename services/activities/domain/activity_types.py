"""The activity types a subdistrict starts with; admins add and rename through
DEFINE_ACTIVITY_TYPE (an admin's renaming is kept across restarts)."""

from typing import Final

DEFAULT_ACTIVITY_TYPES: Final[dict[str, tuple[str, str]]] = {
    "science_class": ("科普课堂", "Science class"),
    "talk": ("宣讲", "Talk"),
    "clapper_talk_show": ("快板表演", "Clapper-talk show"),
    "clean_up": ("环境整治", "Clean-up"),
    "health_check": ("健康义诊", "Health check"),
    "repair_day": ("家电义修", "Appliance repair day"),
    "hardship_visit": ("困难帮扶走访", "Hardship visit"),
    "civility_campaign": ("文明劝导", "Civility campaign"),
    "culture_show": ("文艺演出", "Culture show"),
    "other": ("其他", "Other"),
}
