"""Recording a visit: check-in with GPS, outcome, note, a photo, next action date.

Check-in takes the device's position and accuracy and the distance to the debtor's address;
a check-in farther than ``COBRO_VISIT_FAR_METERS`` is flagged to the agent (the server flags
the visit too). With the outcome ``promise`` or ``paid`` the form also takes the promise or the
payment, queued together with the visit in one write. A photo (the camera or the gallery) is
kept on the device with the visit and uploaded once the visit synced (:mod:`mobile.photos`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from mobile import photos
from mobile.geo import Position, distance_m
from mobile.outbox import now
from mobile.session import AppContext
from mobile.viewmodels import format as fmt
from mobile.viewmodels.confirm import Confirmation
from mobile.viewmodels.forms import PaymentForm, PromiseForm
from shared.schemas.field import AccountBundle, SyncActionType, VisitOutcome, VisitPayload

if TYPE_CHECKING:
    from pydantic import BaseModel

#: The largest photo the server takes (``backend.field.photos.MAX_BYTES``).
MAX_PHOTO_MB = 8
MAX_PHOTO_BYTES = MAX_PHOTO_MB * 1024 * 1024


class VisitViewModel:
    """The visit form of one account (its bundle must be on the device)."""

    def __init__(self, ctx: AppContext, bundle: AccountBundle, today: date | None = None) -> None:
        self.ctx = ctx
        self.bundle = bundle
        day = today or ctx.today()
        self.position: Position | None = None
        self.checked_in_at: datetime | None = None
        self.distance_m: float | None = None
        self.outcome: VisitOutcome | None = None
        self.note = ""
        self.photo: bytes | None = None
        self.next_action_date = ""
        self.promise = PromiseForm(ctx, bundle, day)
        self.payment = PaymentForm(ctx, bundle, day)
        self.errors: dict[str, str] = {}

    @property
    def checked_in(self) -> bool:
        return self.checked_in_at is not None

    @property
    def far(self) -> bool:
        return self.distance_m is not None and self.distance_m > self.ctx.config.far_visit_m

    def outcomes(self) -> list[tuple[VisitOutcome, str]]:
        return [(o, self.ctx.t(f"mobile.outcome.{o.value}")) for o in VisitOutcome]

    async def check_in(self) -> None:
        """Take the position now (``None`` without GPS: the visit is still recorded)."""
        self.checked_in_at = now()
        self.position = await self.ctx.positions.current()
        address = self.bundle.debtor.addresses[0] if self.bundle.debtor.addresses else None
        self.distance_m = None
        if (
            self.position is not None
            and address is not None
            and address.latitude is not None
            and address.longitude is not None
        ):
            self.distance_m = distance_m(
                (self.position.latitude, self.position.longitude),
                (address.latitude, address.longitude),
            )
        self.errors.pop("check_in", None)

    def check_in_text(self) -> str | None:
        """What the check-in found, for the agent to see before saving."""
        if self.checked_in_at is None:
            return None
        if self.position is None:
            return self.ctx.t("mobile.visit.no_gps")
        accuracy = round(self.position.accuracy_m or 0)
        when = fmt.clock(self.checked_in_at)
        if self.distance_m is None:
            return self.ctx.t("mobile.visit.checked_in_no_address", time=when, accuracy=accuracy)
        return self.ctx.t(
            "mobile.visit.checked_in",
            time=when,
            distance=fmt.distance(self.distance_m, self.ctx.lang),
            accuracy=accuracy,
        )

    def far_warning(self) -> str | None:
        if not self.far:
            return None
        limit = fmt.distance(self.ctx.config.far_visit_m, self.ctx.lang)
        return self.ctx.t("mobile.visit.far", limit=limit)

    def save(self) -> list[str] | None:
        """Queue the visit (and its promise or payment); the client ids, or ``None`` with
        :attr:`errors` set (and the sub-form's errors)."""
        actions = self._actions()
        if actions is None:
            return None
        account_id = self.bundle.account.id
        client_ids = self.ctx.session.outbox.record_many(actions, account_id=account_id)
        if self.photo is not None:
            photos.queue(self.ctx.session.store, client_ids[0], account_id, self.photo)
        return client_ids

    def confirmation(self) -> Confirmation | None:
        """With the outcome ``paid``: the payment to confirm before saving (``None`` with
        :attr:`errors` set when the form is invalid, or for other outcomes)."""
        if self.outcome is not VisitOutcome.paid or self._actions() is None:
            return None
        return self.payment.confirmation()

    def _actions(self) -> list[tuple[SyncActionType, BaseModel]] | None:
        """The actions to queue, or ``None`` with :attr:`errors` set."""
        self.errors = {}
        if self.checked_in_at is None:
            self.errors["check_in"] = self.ctx.t("mobile.visit.need_check_in")
        if self.outcome is None:
            self.errors["outcome"] = self.ctx.t("mobile.visit.need_outcome")
        next_action = None
        if self.next_action_date.strip():
            next_action = fmt.parse_day(self.next_action_date)
            if next_action is None:
                self.errors["next_action_date"] = self.ctx.t("mobile.form.bad_date")
        extra = self._extra()
        if self.errors or self.outcome is None or extra is False:
            return None
        position = self.position
        visit = VisitPayload(
            outcome=self.outcome,
            latitude=position.latitude if position else None,
            longitude=position.longitude if position else None,
            accuracy_m=position.accuracy_m if position else None,
            checked_in_at=self.checked_in_at,
            checked_out_at=now(),
            note=self.note.strip() or None,
            next_action_date=next_action,
        )
        actions: list[tuple[SyncActionType, BaseModel]] = [(SyncActionType.visit, visit)]
        if extra is not None:
            actions.append(extra)
        return actions

    def attach_photo(self, content: bytes | None) -> None:
        """The photo taken (``None``: none was picked); one too large for the server is
        refused here, while the agent can still take another."""
        self.errors.pop("photo", None)
        if content is None:
            return
        if len(content) > MAX_PHOTO_BYTES:
            self.errors["photo"] = self.ctx.t("mobile.visit.photo_too_big", mb=MAX_PHOTO_MB)
            return
        self.photo = content

    def _extra(self) -> tuple[SyncActionType, BaseModel] | bool | None:
        """The promise or payment that goes with the outcome; ``False`` when it is invalid."""
        if self.outcome is VisitOutcome.promise:
            promise = self.promise.payload()
            return False if promise is None else (SyncActionType.promise, promise)
        if self.outcome is VisitOutcome.paid:
            position = self.position
            payment = self.payment.payload(
                position.latitude if position else None, position.longitude if position else None
            )
            return False if payment is None else (SyncActionType.payment, payment)
        return None
