"""fixlevel: a fix-level compliance auditor.

Evidence collected from servers is parsed into facts, judged against a baseline kept as
data, and rendered as a workbook for management and CSV/JSON for machines.
"""

__version__ = "0.1.0"
