"""The claims rule pack: one compiler per rule template, registered by name.

A compiler has the signature ``(ctx: AuditContext, rule: RuleDefinition) -> ibis.Table`` and returns
one row per suspect point with exactly :data:`qiandai.claims.findings.RULE_OUTPUT_COLUMNS`.
Templates are generic operators (``gender_restricted_item`` serves both drugs and service items);
a rule of the rule set picks a template, the knowledge table it joins and its parameters.
"""

# Importing the modules registers their templates.
from qiandai.claims.rulepack import (  # noqa: F401  (registration side effects)
    admissions,
    antibiotics,
    behaviour,
    checkins,
    dataquality,
    decomposition,
    drugsafety,
    herbal,
    indications,
    operations,
    pairs,
    patient,
    policy,
    prescriptions,
    quantity,
    stays,
    stock,
    surgery,
)
from qiandai.claims.rulepack.base import TEMPLATES, Compiler

__all__ = ["TEMPLATES", "Compiler"]
