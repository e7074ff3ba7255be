"""Members' preferences: GET_PREFERENCES (the stored ones, or the defaults of one who never
chose) and PUT_PREFERENCES (the whole set, replaced). Addresses are shown masked, so an
address left out of a PUT keeps the stored one (a client sends back what it read); null
clears it. Who may read or change whose preferences (the member themselves, an admin for a
resident reached by proxy) is the gateway's decision."""

from typing import Any

from services.notify import clock
from services.notify.config import NotifySettings
from services.notify.domain import preferences
from services.notify.domain.preferences import Preferences
from services.notify.preference_store import PreferenceStore
from services.notify.projections import Projections
from shared.bus.rpc import CallContext
from shared.contracts.commands import notify as commands
from shared.contracts.rpc import FieldError, Invalid
from shared.runtime.service import ServiceRuntime


class PreferenceHandlers:
    def __init__(self, store: PreferenceStore, projections: Projections) -> None:
        self.store = store
        self.projections = projections

    async def get(self, cmd: commands.GetPreferences, _: CallContext) -> dict[str, Any]:
        found = await self.store.get(cmd.member_id)
        if found is None:
            return preferences.view(preferences.defaults(cmd.member_id), stored=False)
        prefs, changed = found
        return preferences.view(prefs, stored=True, changed=changed)

    async def put(self, cmd: commands.PutPreferences, ctx: CallContext) -> dict[str, Any]:
        given = cmd.model_dump()
        kept = {"email", "phone"} - cmd.model_fields_set
        if kept and (found := await self.store.get(cmd.member_id)) is not None:
            given |= found[0].model_dump(include=kept)
        prefs = Preferences.model_validate(given)
        await self._check(prefs)
        await self.store.put(prefs, by=ctx.actor, at=clock.now())
        return await self.get(commands.GetPreferences(member_id=cmd.member_id), ctx)

    async def _check(self, prefs: Preferences) -> None:
        errors: list[FieldError] = []
        missing = preferences.missing_addresses(prefs)
        if missing:
            needs = ", ".join({"email": "an e-mail address", "sms": "a phone"}[c] for c in missing)
            errors.append(
                FieldError(
                    loc=["channels"],
                    msg=f"{', '.join(missing)} chosen without {needs}",
                    type="value_error.address_missing",
                )
            )
        if len(set(prefs.channels)) != len(prefs.channels):
            errors.append(
                FieldError(loc=["channels"], msg="a channel is named twice", type="value_error")
            )
        via = prefs.via_member_id
        if via is not None:
            if via == prefs.member_id:
                errors.append(
                    FieldError(
                        loc=["via_member_id"],
                        msg="a member cannot be reached by proxy through themselves",
                        type="value_error.self",
                    )
                )
            elif not (await self.projections.members([via])).get(via, {}).get("status"):
                errors.append(
                    FieldError(
                        loc=["via_member_id"],
                        msg=f"no member {via} is known",
                        type="value_error.unknown_member",
                    )
                )
        if errors:
            raise Invalid("preferences are not usable as given", errors)


def install(runtime: ServiceRuntime, settings: NotifySettings) -> None:
    projections = Projections(runtime.db)
    handlers = PreferenceHandlers(projections.preferences, projections)
    runtime.command(commands.GET_PREFERENCES, commands.GetPreferences, handlers.get)
    runtime.command(commands.PUT_PREFERENCES, commands.PutPreferences, handlers.put)
