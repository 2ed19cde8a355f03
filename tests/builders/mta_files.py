"""The thirteen MTA files of Q197378, as the article lists them.

Written out here by hand rather than read from the baseline, so that fixtures and the
baseline file are two statements of the article that a test can hold against each other.
"""

PE_FILES = ("Ems_rid.dll", "Emsmta.exe", "Mtacheck.exe", "Mtamsg.dll", "X400om.dll", "X400omv1.dll")
"""The binaries, which carry a version resource."""

DATA_FILES = (
    "Dbserver.sch",
    "Dcprods.cat",
    "Info4log.cfg",
    "Infodlog.cfg",
    "Infollog.cfg",
    "Infotlog.cfg",
    "P2.xv2",
)
"""The data files, which have none."""
