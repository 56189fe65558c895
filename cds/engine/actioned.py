"""Has a red flag been acted on? A referral, imaging or urgent request recorded since it began."""

from __future__ import annotations

from datetime import date

from cds.engine.model import RedFlag
from cds.facts.actions import RedFlagAction

JOINT_FLAGS = frozenset({"hot-joint", "joint-fracture", "child-hip"})


def actioned_on(flag: RedFlag, actions: tuple[RedFlagAction, ...]) -> date | None:
    """The earliest date of a recorded action for the flag, on or after the flag began.

    It counts when it names the flag's evidence as its reason and is urgent or imaging, when it
    is imaging of the spine (for a spinal flag), or when it is an urgent red-flag referral.
    """
    evidence = {f.reference for f in flag.facts}
    found: list[date] = []
    for action in actions:
        day = action.recorded
        if day is None or (flag.start is not None and day < flag.start):
            continue
        for_it = bool(action.reasons & evidence) and (
            action.urgent or action.kind == "spinal-imaging"
        )
        spinal = action.kind == "spinal-imaging" and flag.flag not in JOINT_FLAGS
        referral = action.kind == "referral" and action.urgent
        if for_it or spinal or referral:
            found.append(day)
    return min(found) if found else None
