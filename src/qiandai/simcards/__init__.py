"""SIM-card screening (断卡 · 涉诈电话卡): call/SMS detail records in, risk-ranked numbers with reasons out.

``schema`` defines and validates the CDR input format, ``features`` computes point-in-time per-number
features in DuckDB, ``rules`` and ``model`` turn them into risk, ``repository`` stores scoring runs.
See ``docs/simcards.md``.
"""
