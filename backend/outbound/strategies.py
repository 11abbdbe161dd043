"""What a strategy must make sense of before it is saved: every step can fire for some account
of its segment through some channel the contact rules allow, names a template that exists, and
no chain of ``after_step`` triggers loops back on itself."""

from __future__ import annotations

from backend.contact.rules import RuleSet
from shared.schemas.enums import BUCKET_RANGES, AgingBucket
from shared.schemas.outbound import Step, StrategyDefinition

NEEDS = {
    "due_in_days": "days",
    "days_past_due": "days",
    "instalment_due_in_days": "days",
    "instalment_overdue_days": "days",
    "link_unpaid_hours": "hours",
    "after_step": "step",
}


def problems(definition: StrategyDefinition, templates: set[str], rules: RuleSet) -> list[str]:
    """Every reason the strategy cannot be used as written (empty: it can)."""
    found: list[str] = []
    segment = definition.segment
    if (
        segment.max_balance_minor is not None
        and segment.min_balance_minor > segment.max_balance_minor
    ):
        found.append("the segment's minimum balance is above its maximum")
    ids = [step.id for step in definition.steps]
    found += [
        f"step {i}: the id is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})
    ]
    steps = {step.id: step for step in definition.steps}
    for step in definition.steps:
        found += [f"step {step.id}: {reason}" for reason in _step_problems(step, steps, templates)]
        reason = _never_fires(step, definition, rules)
        if reason:
            found.append(f"step {step.id} can never fire: {reason}")
    found += _loops(steps)
    return found


def _step_problems(step: Step, steps: dict[str, Step], templates: set[str]) -> list[str]:
    found = []
    needed = NEEDS.get(step.trigger.kind)
    if needed and getattr(step.trigger, needed) is None:
        found.append(f"the trigger {step.trigger.kind} needs {needed}")
    if step.trigger.kind == "after_step" and step.trigger.step and step.trigger.step not in steps:
        found.append(f"it follows an unknown step {step.trigger.step}")
    if step.template not in templates:
        found.append(f"unknown template {step.template}")
    if len(set(step.channels)) != len(step.channels):
        found.append("a channel is listed twice")
    return found


def _never_fires(
    step: Step, definition: StrategyDefinition, rules: RuleSet, seen: frozenset[str] = frozenset()
) -> str | None:
    usable = [c for c in step.channels if (h := rules.hours_for(c)) and any(h.days.values())]
    if not usable:
        return "the contact rules allow none of its channels at any hour"
    buckets = definition.segment.aging_buckets
    trigger = step.trigger
    days = trigger.days
    if (
        buckets
        and trigger.kind == "days_past_due"
        and days is not None
        and not any(_in_bucket(days, b) for b in buckets)
    ):
        taken = ", ".join(b.value for b in buckets)
        return f"the segment takes accounts {taken} days past due, never {days}"
    if buckets and trigger.kind == "due_in_days" and AgingBucket.CURRENT not in buckets:
        return "the segment takes only accounts already past due"
    earlier = next((s for s in definition.steps if s.id == trigger.step), None)
    if (
        trigger.kind == "after_step"
        and earlier is not None
        and earlier.id not in seen
        and _never_fires(earlier, definition, rules, seen | {step.id})
    ):
        return f"it follows step {earlier.id}, which never fires"
    return None


def _in_bucket(days: int, bucket: AgingBucket) -> bool:
    low, high = BUCKET_RANGES[bucket]
    return days >= low and (high is None or days <= high)


def _loops(steps: dict[str, Step]) -> list[str]:
    """Chains of ``after_step`` that come back to where they started."""
    found: list[str] = []
    reported: set[frozenset[str]] = set()
    for start in steps:
        chain = [start]
        current = steps[start].trigger.step if steps[start].trigger.kind == "after_step" else None
        while current in steps:
            if current in chain:
                loop = chain[chain.index(current) :]
                if frozenset(loop) not in reported:
                    reported.add(frozenset(loop))
                    found.append("steps " + " -> ".join([*loop, current]) + " form a loop")
                break
            chain.append(current)
            nxt = steps[current].trigger
            current = nxt.step if nxt.kind == "after_step" else None
    return found
