"""Judging plain registry value requirements, in the spirit of OVAL's registry_test."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from auditor.facts import ServerFacts, ValueFact
from auditor.requirements import ValueCheck, ValueRequirement
from auditor.verdicts import ValueFinding, ValueResult

__all__ = ["ValuesOutcome", "judge_values"]


@dataclass
class ValuesOutcome:
    findings: list[ValueFinding] = field(default_factory=list)
    not_met: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    met: list[str] = field(default_factory=list)


def judge_values(facts: ServerFacts, requirements: Sequence[ValueRequirement]) -> ValuesOutcome:
    """Each requirement against the value the facts hold for it."""
    outcome = ValuesOutcome()
    read = {(fact.key.casefold(), fact.value.casefold()): fact for fact in facts.values}
    for required in requirements:
        fact = read.get((required.key.casefold(), required.value.casefold()))
        result, detail = _judge(required, fact, has_registry=facts.registry is not None)
        outcome.findings.append(
            ValueFinding(
                key=required.key,
                value=required.value,
                value_type=fact.value_type if fact else None,
                data=fact.data if fact else None,
                result=result,
                detail=detail,
            )
        )
        sentence = f"registry value {required.label}: {detail}"
        {
            ValueResult.MET: outcome.met,
            ValueResult.NOT_MET: outcome.not_met,
            ValueResult.UNKNOWN: outcome.unknown,
        }[result].append(sentence)
    return outcome


def _judge(
    required: ValueRequirement, fact: ValueFact | None, *, has_registry: bool
) -> tuple[ValueResult, str]:
    if fact is None:
        if not has_registry:
            return ValueResult.UNKNOWN, "no readable registry evidence"
        return ValueResult.UNKNOWN, "not read by the collection; collect again with this baseline"
    if fact.error:
        return ValueResult.UNKNOWN, f"could not be read: {fact.error}"
    if not fact.found:
        return ValueResult.NOT_MET, "absent"
    if required.type and (fact.value_type or "").upper() != required.type.upper():
        return ValueResult.NOT_MET, f"is {fact.value_type or 'of no type'}, not {required.type}"
    if required.check is ValueCheck.EXISTS:
        return ValueResult.MET, "present"
    assert required.data is not None  # the loader gives data to every check but EXISTS
    if required.check is ValueCheck.EQUALS:
        if _equal(fact, required.data):
            return ValueResult.MET, f"equals {required.data!r}"
        return ValueResult.NOT_MET, f"is {fact.data!r}, not {required.data!r}"
    number = _number(fact.data)
    if number is None:
        return ValueResult.NOT_MET, f"is {fact.data!r}, not a number"
    if number >= int(required.data):
        return ValueResult.MET, f"{number} is at least {required.data}"
    return ValueResult.NOT_MET, f"{number} is below {required.data}"


def _equal(fact: ValueFact, data: str) -> bool:
    """Numbers compare as numbers (a DWORD may be written 0x10 or 16); text as stored."""
    if (fact.value_type or "").upper() in ("REG_DWORD", "REG_QWORD"):
        have, want = _number(fact.data), _number(data)
        if have is not None and want is not None:
            return have == want
    return fact.data == data


def _number(text: str | None) -> int | None:
    if text is None:
        return None
    stripped = text.strip()
    try:
        if stripped.casefold().startswith("0x"):
            return int(stripped[2:], 16)
        return int(stripped, 10)
    except ValueError:
        return None
