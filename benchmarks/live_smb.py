"""Measure live collection against the test suite's private Samba smbd, SMB1 and SMB2/3.

Run from the repository root (needs Samba installed, as the live tests do):

    python benchmarks/live_smb.py [ROUNDS]

Prints, per protocol, what one server cost (round trips, bytes on the wire, file bytes,
seconds) and what each PE file cost, counted at the client by ``SmbSource.stats``.
"""

from __future__ import annotations

import getpass
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from auditor.baseline import FileKind, default_baseline_path, load_baseline  # noqa: E402
from auditor.collect import collect  # noqa: E402
from auditor.evaluation import evaluate  # noqa: E402
from auditor.evidence.credentials import Credentials  # noqa: E402
from auditor.evidence.smb import SmbSource  # noqa: E402
from tests.evidence.conftest import SCENARIOS, install_mta, mta_registry  # noqa: E402
from tests.evidence.samba import PASSWORD, SambaServer, missing_tools  # noqa: E402


def measure(protocol: str, rounds: int) -> None:
    baseline = load_baseline(default_baseline_path())
    pe = {item.name.casefold() for item in baseline.files if item.kind is FileKind.PE}
    with tempfile.TemporaryDirectory(prefix="fixlevel-bench-") as folder:
        server = SambaServer(Path(folder), smb1=protocol == "SMB1")
        server.configure()
        install_mta(server.share / "exchsrvr" / "bin", SCENARIOS["compliant"])
        reg = Path(folder) / "mta.reg"
        reg.write_bytes(mta_registry("v5"))
        server.import_registry(reg)
        server.start()
        try:
            seconds: list[float] = []
            for _ in range(rounds + 1):  # the first round also starts Samba's RPC helpers
                live = SmbSource(
                    "EXCH01",
                    "127.0.0.1",
                    server.port,
                    Credentials(getpass.getuser(), PASSWORD),
                    file_names=[item.name for item in baseline.files],
                )
                started = time.perf_counter()
                facts = collect(live, baseline)
                live.close()
                seconds.append(time.perf_counter() - started)
            status = evaluate(facts, baseline).status.value
        finally:
            server.stop()
    stats = live.stats
    files = {path: reads for path, reads in stats.files.items()}
    pe_files = {p: r for p, r in files.items() if p.rsplit("/", 1)[-1].casefold() in pe}
    file_trips = sum(r.round_trips for r in files.values())
    print(f"{protocol} (dialect {stats.dialect}), verdict {status}:")
    print(
        f"  per server: {stats.round_trips} round trips after negotiation "
        f"({file_trips} for the {len(files)} files, the rest logon, registry, listing, logoff); "
        f"{stats.bytes_sent} bytes sent, {stats.bytes_received} received; "
        f"{stats.file_bytes} file bytes; {stats.registry_keys} registry keys opened"
    )
    print(
        f"  time per server: median {statistics.median(seconds[1:]) * 1000:.0f} ms over "
        f"{rounds} rounds (first, cold: {seconds[0] * 1000:.0f} ms)"
    )
    for path, reads in sorted(pe_files.items()):
        print(
            f"  {path}: {reads.bytes} bytes in {reads.reads} reads, "
            f"{reads.round_trips} round trips (open, reads, close)"
        )


def main() -> None:
    why = missing_tools()
    if why:
        sys.exit(why)
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for protocol in ("SMB1", "SMB2"):
        measure(protocol, rounds)


if __name__ == "__main__":
    main()
