"""(being built)"""

from services.notify.config import NotifySettings
from shared.runtime.service import ServiceRuntime


def install(runtime: ServiceRuntime, settings: NotifySettings) -> None:
    pass
