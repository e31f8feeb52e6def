"""Protocol additions of 24-hour self-service (issue 24; docs/protocol.md, "Self-service records").

`cmd/selfservice/record`: a kiosk tells the broker that a self-service transaction happened, so the audit
log (the hash-chained event log) holds it: which item, which kiosk, how it ended, and for whom only as
a keyed hash. A kiosk sends `holder_hash`, the HMAC of the ID number with the hall's self-service key
that provisioning gives every kiosk: the number travels only on cmd/ticket/issue and cmd/appointment/book
(the contract). `holder` (the number, hashed by the broker with its own key) is what the first kiosks
of issue 24 sent; the broker still takes it. No name, and nothing of the record itself, ever travels.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from .messages import LevelId, Message, Request

SelfServiceOutcome = Literal[
    "printed",  # the record came out of the printer
    "viewed",  # shown on screen; the citizen did not print it (left, or chose not to)
    "print_failed",  # shown; the printer could not print it (fault, cancelled when the citizen left)
    "not_found",  # the department has no record of the citizen for this item
    "not_allowed",  # the department will not give this record at a kiosk
    "unavailable",  # the department's service timed out, failed or answered garbage
]


class IdNumber(Message):
    """The citizen's ID number alone: the broker turns it into its keyed hash and drops it."""

    id_number: Annotated[str, StringConstraints(min_length=15, max_length=18, pattern=r"^[0-9A-Z]+$")]

    def __repr__(self) -> str:
        return "IdNumber(<redacted>)"

    __str__ = __repr__


class SelfServiceRecord(Request):
    """`request_id` is the transaction's id: a retry records nothing twice."""

    kiosk_id: LevelId
    service_id: LevelId
    holder: IdNumber | None = None  # the first form: the number, hashed by the broker (off the contract)
    # additive: the kiosk's keyed hash of the number (HMAC-SHA256, the hall's self-service key), hex
    holder_hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None
    outcome: SelfServiceOutcome
    pages: Annotated[int, Field(ge=0, le=500)] = 0
    started_at: AwareDatetime | None = None  # when the card was read

    @model_validator(mode="after")
    def _one_holder(self) -> SelfServiceRecord:
        if (self.holder is None) == (self.holder_hash is None):
            raise ValueError("give the citizen as holder_hash (or, from an older kiosk, holder), not both")
        return self


SELFSERVICE_ACTION_MODELS: dict[str, type[Request]] = {"record": SelfServiceRecord}
