"""Collection from folders, on the independent samples and on broken evidence."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from auditor.baseline import Baseline, default_baseline_path, load_baseline
from auditor.collect import collect
from auditor.evaluation import evaluate
from auditor.evidence import FolderSource
from auditor.verdicts import Status


@pytest.fixture(scope="module")
def baseline() -> Baseline:
    return load_baseline(default_baseline_path())


def server_with(tmp_path: Path, files: dict[str, bytes | Path]) -> FolderSource:
    root = tmp_path / "EXCH01"
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copyfile(content, path)
        else:
            path.write_bytes(content)
    return FolderSource(root)


@pytest.mark.parametrize("sample", ["regedit4-cp1252.reg", "v5-utf16.reg"])
def test_reg_samples_give_the_listed_values(
    tmp_path: Path, baseline: Baseline, shared_samples: Path, sample: str
) -> None:
    source = server_with(tmp_path, {f"registry/{sample}": shared_samples / "registry" / sample})
    registry = collect(source, baseline).registry
    assert registry is not None
    assert registry.image_path == "%SystemRoot%\\..\\exchsrvr\\bin\\emsmta.exe"
    overrides = {o.connector: (o.value, o.value_type) for o in registry.overrides}
    assert overrides == {
        "TCP to MTA B": ("10.0.0.5", "REG_SZ"),
        "Connecteur Rhône": ("10.0.0.6", "REG_SZ"),
    }
    (adapter,) = registry.adapters
    assert (adapter.name, adapter.addresses, adapter.dhcp) == (
        "El90x1",
        ("10.0.0.5", "10.0.0.6"),
        False,
    )


def test_the_current_control_set_is_the_one_select_names(
    tmp_path: Path, baseline: Baseline, shared_samples: Path
) -> None:
    hive = shared_samples / "registry" / "nt4-current-is-cs2.SYSTEM"
    source = server_with(tmp_path, {"registry/evidence.bin": hive})
    registry = collect(source, baseline).registry
    assert registry is not None
    assert registry.control_set == "ControlSet002"
    assert [(o.connector, o.value) for o in registry.overrides] == [("TCP to MTA B", "10.0.0.99")]
    assert registry.adapters == ()  # ControlSet001's adapters must not leak in


def test_the_w2k_hive_gives_interfaces_and_image_path(
    tmp_path: Path, baseline: Baseline, shared_samples: Path
) -> None:
    source = server_with(tmp_path, {"registry/SYSTEM": shared_samples / "registry" / "w2k.SYSTEM"})
    registry = collect(source, baseline).registry
    assert registry is not None
    assert registry.image_path == "C:\\exchsrvr\\bin\\emsmta.exe"
    addresses = sorted(a for adapter in registry.adapters for a in adapter.addresses)
    assert addresses == ["10.0.0.5", "10.0.0.6", "10.0.0.7"]


def test_pe_samples_are_read_from_a_few_kib(
    tmp_path: Path, baseline: Baseline, shared_samples: Path
) -> None:
    pe = shared_samples / "pe"
    source = server_with(
        tmp_path,
        {
            "C$/exchsrvr/bin/EMSMTA.EXE": pe / "emsmta-fix.exe",
            "C$/exchsrvr/bin/mtacheck.exe": pe / "mtacheck-disagrees.exe",
            "C$/exchsrvr/bin/x400om.dll": pe / "noversion.dll",
        },
    )
    facts = {f.name: f for f in collect(source, baseline).files}
    assert facts["Emsmta.exe"].fixed_version == "5.5.2431.0"
    assert facts["Emsmta.exe"].size == (pe / "emsmta-fix.exe").stat().st_size
    assert 0 < facts["Emsmta.exe"].bytes_read <= 4096
    assert facts["Mtacheck.exe"].fixed_version == "5.5.2232.0"
    assert facts["Mtacheck.exe"].string_version == "5.5.2448.0 (sp2 lab)"
    assert facts["X400om.dll"].error is not None
    assert "version resource" in facts["X400om.dll"].error


def test_several_reg_files_are_merged_in_name_order(tmp_path: Path, baseline: Baseline) -> None:
    head = "REGEDIT4\r\n\r\n"
    key = "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeMTA\\Parameters\\L]"
    adapter = "[HKLM\\SYSTEM\\CurrentControlSet\\Services\\E1\\Parameters\\Tcpip]"
    source = server_with(
        tmp_path,
        {
            "registry/1.reg": f'{head}{key}\r\n"Stack IP Address Override"="10.0.0.1"\r\n'.encode(),
            "registry/2.reg": f'{head}{key}\r\n"Stack IP Address Override"="10.0.0.2"\r\n'.encode(),
            "registry/3.reg": f'{head}{adapter}\r\n"IPAddress"="10.0.0.2"\r\n'.encode(),
        },
    )
    registry = collect(source, baseline).registry
    assert registry is not None
    assert [o.value for o in registry.overrides] == ["10.0.0.2"]
    assert len(registry.sources) == 3
    assert registry.adapters[0].addresses == ("10.0.0.2",)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "registry/broken.reg",
            b"REGEDIT4\r\n\r\n[HKLM\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeMTA\r\n",
            "line 3 skipped, as regedit would: a key line without a closing bracket",
        ),
        ("registry/SYSTEM", b"regf" + b"\0" * 100, "registry/SYSTEM"),
        ("registry/notes.txt", b"collected by Bob", "neither a .reg export nor a registry hive"),
        ("registry/utf16-no-bom.reg", "REGEDIT4\r\n".encode("utf-16-le"), "utf16-no-bom.reg"),
    ],
)
def test_broken_registry_evidence_is_a_problem_that_names_the_file(
    tmp_path: Path, baseline: Baseline, name: str, content: bytes, expected: str
) -> None:
    facts = collect(server_with(tmp_path, {name: content}), baseline)
    assert any(expected in problem for problem in facts.problems), facts.problems
    assert evaluate(facts, baseline).status is Status.INCOMPLETE


def test_a_link_leaving_the_evidence_folder_is_not_followed(
    tmp_path: Path, baseline: Baseline
) -> None:
    secret = tmp_path / "secret.reg"
    secret.write_bytes(b"REGEDIT4\r\n")
    source = server_with(tmp_path, {})
    (source.root / "registry").mkdir(parents=True)
    (source.root / "registry" / "x.reg").symlink_to(secret)
    facts = collect(source, baseline)
    assert any("leaves the evidence folder" in problem for problem in facts.problems)
    assert facts.registry is None


def test_an_export_merged_after_a_hive_updates_its_current_control_set(
    tmp_path: Path, baseline: Baseline, shared_samples: Path
) -> None:
    hive = shared_samples / "registry" / "nt4-current-is-cs2.SYSTEM"
    adapters = (
        "REGEDIT4\r\n\r\n"
        "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\El90x1\\Parameters\\Tcpip]\r\n"
        '"IPAddress"="10.0.0.99"\r\n'
    )
    source = server_with(tmp_path, {"registry/SYSTEM": hive, "registry/x.reg": adapters.encode()})
    registry = collect(source, baseline).registry
    assert registry is not None
    assert registry.control_set == "ControlSet002"
    assert [o.value for o in registry.overrides] == ["10.0.0.99"]  # from the hive
    assert [a.addresses for a in registry.adapters] == [("10.0.0.99",)]  # from the export


OVERRIDE_KEY = (
    "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeMTA\\Parameters\\TCP to B"
)


def test_a_skipped_line_where_the_audit_reads_is_a_problem(
    tmp_path: Path, baseline: Baseline
) -> None:
    export = f'REGEDIT4\r\n\r\n[{OVERRIDE_KEY}]\r\n"Stack IP Address Override"=dword:xyz\r\n'
    facts = collect(server_with(tmp_path, {"registry/x.reg": export.encode()}), baseline)
    assert facts.problems == (
        f"{facts.source}/registry/x.reg: line 4 skipped, as regedit would: bad dword 'xyz': "
        f"expected 1 to 8 hex digits (under {OVERRIDE_KEY})",
    )
    assert facts.notes == ()
    assert facts.registry is not None and facts.registry.overrides[0].value is None
    assert evaluate(facts, baseline).status is Status.INCOMPLETE


def test_a_skipped_line_elsewhere_is_a_note(tmp_path: Path, baseline: Baseline) -> None:
    export = (
        f'REGEDIT4\r\n\r\n[{OVERRIDE_KEY}]\r\n"Stack IP Address Override"="10.0.0.5"\r\n'
        '[HKEY_CURRENT_USER\\Software\\X]\r\n"a"=hex:zz\r\n'
    )
    facts = collect(server_with(tmp_path, {"registry/x.reg": export.encode()}), baseline)
    assert facts.problems == ()
    assert [note.split(": ", 1)[1] for note in facts.notes] == [
        "line 6 skipped, as regedit would: bad hex data at 'zz' "
        "(under HKEY_CURRENT_USER\\Software\\X)"
    ]
    assert facts.registry is not None and facts.registry.overrides[0].value == "10.0.0.5"


def test_many_skipped_lines_are_counted_not_listed(tmp_path: Path, baseline: Baseline) -> None:
    export = "REGEDIT4\r\n\r\n" + "junk\r\n" * 50 + "[HKEY_CURRENT_USER\\X]\r\n" + "junk\r\n" * 30
    facts = collect(server_with(tmp_path, {"registry/x.reg": export.encode()}), baseline)
    skipped = [p for p in facts.problems if "skipped" in p]
    assert len(skipped) == 21
    assert skipped[-1].endswith("30 more lines skipped, as regedit would, where the audit reads")
    assert facts.notes[-1].endswith(
        "30 more lines skipped, as regedit would, outside the keys the audit reads"
    )


def test_a_string_list_ends_at_its_first_empty_string(tmp_path: Path, baseline: Baseline) -> None:
    # 10.0.0.5, the empty string that ends the list, then leftover bytes: not an address.
    addresses = "10.0.0.5\0\0" + "10.9.9.9\0\0"
    payload = ",".join(f"{byte:02x}" for byte in addresses.encode())
    adapter = "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\E1\\Parameters\\Tcpip"
    export = f'REGEDIT4\r\n\r\n[{adapter}]\r\n"IPAddress"=hex(7):{payload}\r\n'
    facts = collect(server_with(tmp_path, {"registry/x.reg": export.encode()}), baseline)
    assert facts.registry is not None
    assert facts.registry.adapters[0].addresses == ("10.0.0.5",)
