"""Facts serialise to JSON and back unchanged, so evidence can be judged again later."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.audit import load_inventory
from auditor.baseline import default_baseline_path, load_baseline
from auditor.collect import collect
from auditor.evaluation import evaluate
from auditor.evidence import discover_fleet
from auditor.facts import ServerFacts


def test_facts_round_trip_through_json(fleet: Path) -> None:
    baseline = load_baseline(default_baseline_path())
    inventory = load_inventory(fleet, None)
    sources = discover_fleet(fleet)
    assert len(sources) == 10
    for source in sources:
        facts = collect(source, baseline)
        again = ServerFacts.from_dict(json.loads(json.dumps(facts.to_dict())))
        assert again == facts
        assert evaluate(again, baseline, inventory) == evaluate(facts, baseline, inventory)


def test_a_name_read_back_from_a_snapshot_is_shown_as_a_scanned_one_is() -> None:
    # A snapshot from an older fixlevel, or edited by hand, may hold a name raw: a
    # right-to-left override would make "SAFE\u202e01-HCXE" display as another server, and
    # an NFD "e" + combining accent would be a second server beside the NFC one.
    raw = {"server": "SAFE\u202e01-HCXE", "source": "x", "files": [], "problems": []}
    raw |= {"registry": None, "notes": []}
    assert ServerFacts.from_dict(raw).server == "SAFE<U+202E>01-HCXE"
    nfd = ServerFacts.from_dict(raw | {"server": "Exche\u0301"})
    assert nfd.server == "Exch\u00e9"
