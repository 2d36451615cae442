"""Pharmacy purchase–sale–stock (进销存) reconciliation over the optional ``DRUG_*_D`` input tables.

:mod:`.ledger` builds the per-period stock ledger with Ibis (purchases, sales, consumption and stock
counts per institution and drug); the rules that read it live in ``qiandai.claims.rulepack.stock``.
The tables and their columns are documented in ``docs/claims-stock-checkins.md``.
"""
