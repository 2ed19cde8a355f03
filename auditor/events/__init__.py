"""Event 9301 as evidence (DESIGN.md section 1b): the receiving MTA's record of refused calls.

``model`` holds the facts and the summaries; ``address`` decodes the logged network address;
``interpret`` classifies and pairs the events of a whole fleet. Nothing here imports a
log reader: ``auditor.parsing.evt`` and ``auditor.evidence.eventlog_rpc`` do the reading.
"""
