"""Hand-built ServerFacts for the verdict table: each test states only what it changes."""

from __future__ import annotations

from dataclasses import replace

from auditor.facts import AdapterFact, FileFact, OverrideFact, RegistryFacts, ServerFacts
from tests.builders.mta_files import DATA_FILES, PE_FILES

BIN = "C$/exchsrvr/bin"


def files(version: str = "5.5.2448.0", folder: str = BIN, **versions: str) -> tuple[FileFact, ...]:
    """Every baseline file in ``folder``; PE files at ``version`` unless named in ``versions``."""
    pe = tuple(
        FileFact(
            name=name,
            path=f"{folder}/{name.upper()}",
            size=1000,
            fixed_version=versions.get(name.replace(".", "_"), version),
            string_version=versions.get(name.replace(".", "_"), version),
        )
        for name in PE_FILES
    )
    data = tuple(
        FileFact(name=name, path=f"{folder}/{name}", size=10, sha256="0" * 64)
        for name in DATA_FILES
    )
    return pe + data


def adapter(name: str, *addresses: str, bound: bool | None = None) -> AdapterFact:
    return AdapterFact(name, tuple(addresses), dhcp=False, dhcp_address=None, bound=bound)


def registry(
    *adapters: AdapterFact,
    overrides: tuple[OverrideFact, ...] = (),
    image_path: str | None = "C:\\exchsrvr\\bin\\emsmta.exe",
    mta_service: bool = True,
    cluster: bool = False,
    remote_access_start: int | None = None,
) -> RegistryFacts:
    return RegistryFacts(
        sources=("registry/system.reg",),
        control_set="CurrentControlSet",
        mta_service=mta_service,
        image_path=image_path,
        overrides=overrides,
        adapters=adapters,
        cluster_service=cluster,
        remote_access_start=remote_access_start,
    )


def override(connector: str, value: str | None, value_type: str | None = "REG_SZ") -> OverrideFact:
    return OverrideFact(connector, value, value_type if value is not None else None)


SINGLE = registry(adapter("El90x1", "10.0.0.5"))
MULTI_PINNED = registry(
    adapter("El90x1", "10.0.0.5"),
    adapter("E100B2", "10.0.0.6"),
    overrides=(override("TCP to MTA B", "10.0.0.5"),),
)


def server(
    name: str = "EXCH01",
    file_facts: tuple[FileFact, ...] | None = None,
    registry_facts: RegistryFacts | None = SINGLE,
    problems: tuple[str, ...] = (),
    notes: tuple[str, ...] = (),
) -> ServerFacts:
    return ServerFacts(
        server=name,
        source=f"fleet/{name}",
        files=files() if file_facts is None else file_facts,
        registry=registry_facts,
        problems=problems,
        notes=notes,
    )


def without(file_facts: tuple[FileFact, ...], name: str) -> tuple[FileFact, ...]:
    return tuple(fact for fact in file_facts if fact.name != name)


def with_file(file_facts: tuple[FileFact, ...], fact: FileFact) -> tuple[FileFact, ...]:
    return (*file_facts, fact)


def changed(fact: FileFact, **changes: object) -> FileFact:
    return replace(fact, **changes)  # type: ignore[arg-type]
