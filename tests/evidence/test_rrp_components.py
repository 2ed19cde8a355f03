"""Live registry reads and the catalogue's "component not installed" (review of issue 13).

The live export lists ``Services`` as a key, so every MSExchange* key it lacks reads as a
service that is not there. A catalogue article of another component than the MTA is then
not-applicable on a server that runs that component, unless the live read asked for its
service key by name. Live collection lists the MTA folder only, so such a component's
files are never in live evidence: its service key is all that can tell.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.baseline import default_baseline_path, load_baseline
from auditor.collect import collect
from auditor.evaluation.article import evaluate_article
from auditor.evidence.folder import FolderSource
from auditor.evidence.regexport import RawKey, RawValue, write_export
from auditor.evidence.rrp import read_mta_keys
from auditor.requirements import collection_baseline, load_article
from auditor.verdicts import Status

SERVICES = "SYSTEM\\CurrentControlSet\\Services"
IMAGE_PATH = "C:\\exchsrvr\\bin\\emsmta.exe\0".encode("utf-16-le")


class FakeRegistry:
    """A server's registry as ``read_mta_keys`` sees it over MS-RRP: keys asked by name."""

    def __init__(self, services: dict[str, tuple[RawValue, ...]]) -> None:
        self.keys = {
            "system\\select": (RawValue("Current", 4, (1).to_bytes(4, "little")),),
            **{f"{SERVICES}\\{name}".casefold(): values for name, values in services.items()},
        }
        self.asked: list[str] = []

    def key(self, path: str, names: tuple[str, ...], *, written: bool = False) -> RawKey | None:
        self.asked.append(path)
        values = self.keys.get(path.casefold())
        if values is None:
            return None
        return RawKey(f"HKEY_LOCAL_MACHINE\\{path}", tuple(v for v in values if v.name in names))

    def children(self, path: str) -> list[str] | None:
        return None if path.casefold() not in self.keys else []


def live_facts_of(tmp_path: Path, registry: FakeRegistry, article_text: str) -> Status:
    keys = read_mta_keys(
        registry,  # type: ignore[arg-type]
        "MSExchangeMTA",
        "Parameters",
        "Stack IP Address Override",
    )
    server = tmp_path / "EXCH01"
    (server / "registry").mkdir(parents=True)
    (server / "registry" / "live.reg").write_bytes(write_export(keys))
    path = tmp_path / "article.toml"
    path.write_text(article_text, encoding="utf-8")
    article = load_article(path)
    baseline = collection_baseline(load_baseline(default_baseline_path()), [article])
    facts = collect(FolderSource(server), baseline)
    return evaluate_article(facts, article).status


IMC_ARTICLE = """id = "Q999001"
title = "An IMC fix"
product_line = "5.5"
[[files]]
name = "Msexcimc.exe"
version = "5.5.2650.21"
"""
IS_ARTICLE = """id = "Q999002"
title = "An Information Store fix"
product_line = "5.5"
component = "Information Store"
[[files]]
name = "Store.exe"
version = "5.5.2650.21"
"""


@pytest.mark.parametrize(
    ("service", "article"), [("MSExchangeIMC", IMC_ARTICLE), ("MSExchangeIS", IS_ARTICLE)]
)
def test_an_installed_component_read_live_is_never_not_installed(
    tmp_path: Path, service: str, article: str
) -> None:
    registry = FakeRegistry({"MSExchangeMTA": (RawValue("ImagePath", 2, IMAGE_PATH),), service: ()})
    # Its files are not in the MTA folder live collection lists: the evidence lacks them.
    assert live_facts_of(tmp_path, registry, article) is Status.INCOMPLETE


def test_a_component_absent_live_is_still_not_installed(tmp_path: Path) -> None:
    registry = FakeRegistry({"MSExchangeMTA": (RawValue("ImagePath", 2, IMAGE_PATH),)})
    assert live_facts_of(tmp_path, registry, IMC_ARTICLE) is Status.NOT_APPLICABLE


def test_no_other_service_is_said_not_installed() -> None:
    """A service live collection does not ask for: its absence is not shown, even where a
    listed Services key lacks it."""
    from auditor.evaluation.article import _service_absent
    from auditor.facts import RegistryFacts

    registry = RegistryFacts(
        sources=("live.reg",),
        control_set="ControlSet001",
        mta_service=True,
        image_path=None,
        overrides=(),
        adapters=(),
        cluster_service=False,
        remote_access_start=None,
        exchange_services=("MSExchangeMTA",),
    )
    assert _service_absent(registry, "MSExchangeIMC")
    assert not _service_absent(registry, "MSExchangePCMTA")
