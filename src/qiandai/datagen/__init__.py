"""Synthetic data with ground truth.

``qiandai.datagen.claims.generate_claims`` writes national-format medical-insurance claims
(MDTRT_D, SETL_D, FEE_LIST_D, SETL_LIST_DIAG_D, SETL_LIST_OPRN_D) with planted cases of the 25
claims rules and ``ground_truth.parquet``. The sibling modules are its parts: ``catalog`` and
``codesets`` (codes from the knowledge base), ``population``, ``institutions``, ``diagnoses``,
``visits``, ``fees`` (the clean background), ``scenarios`` and ``injections`` (planted cases and
hard negatives) and ``tables`` (the national layout).
"""
