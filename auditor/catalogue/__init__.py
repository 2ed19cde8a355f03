"""The fix catalogue: Knowledge Base articles read into file tables, and written as baselines.

``article`` parses an article's text into frozen dataclasses, ``tables`` reads the file
tables inside it, ``export`` turns articles into the importer's JSON and baseline TOML, and
``servicepacks`` keeps the file versions each Exchange 5.5 service pack installs (Q243604).
"""
