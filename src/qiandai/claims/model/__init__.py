"""Risk model from confirmed cases: LightGBM on visit or institution features, explained per score.

Entry points: :mod:`.jobs` (``train_job``, ``score_job``, ``evaluate_job``). Design and the worked
column-mapping example: ``docs/claims-model.md``; decision record: ``docs/adr/0008-*.md``.
"""
