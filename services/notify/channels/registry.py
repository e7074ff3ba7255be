"""Which channels this subdistrict has: the inbox always, the others when configured."""

from services.notify.channels.base import Channel
from services.notify.channels.email import EmailChannel
from services.notify.channels.sms import SmsChannel
from services.notify.channels.webhook import WebhookChannel
from services.notify.channels.wecom_robot import WecomRobotChannel
from services.notify.config import NotifySettings

INBOX = "inbox"


def configured(settings: NotifySettings) -> set[str]:
    """The channel names a notice may go out on here (`inbox` always: it needs no set-up)."""
    names = {INBOX}
    if settings.wecom_robots:
        names.add(WecomRobotChannel.name)
    if settings.smtp_host:
        names.add(EmailChannel.name)
    if settings.sms_url:
        names.add(SmsChannel.name)
    if settings.webhooks:
        names.add(WebhookChannel.name)
    return names


def build_channels(settings: NotifySettings) -> dict[str, Channel]:
    """The adapters of the configured channels other than the inbox (stored, not sent), by
    name. Raises ValueError when a channel is half configured (SMS without its key)."""
    names = configured(settings)
    channels: dict[str, Channel] = {}
    if WecomRobotChannel.name in names:
        channels[WecomRobotChannel.name] = WecomRobotChannel(settings)
    if EmailChannel.name in names:
        channels[EmailChannel.name] = EmailChannel(settings)
    if SmsChannel.name in names:
        channels[SmsChannel.name] = SmsChannel(settings)
    if WebhookChannel.name in names:
        channels[WebhookChannel.name] = WebhookChannel(settings)
    return channels
