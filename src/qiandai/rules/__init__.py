"""Rules as versioned data: rule set → published version → rules, and the registries that compile them."""

from qiandai.rules.model import RuleDefinition, RuleSetVersion, VersionStatus
from qiandai.rules.registry import Registry
from qiandai.rules.store import RuleSetStore

__all__ = ["Registry", "RuleDefinition", "RuleSetStore", "RuleSetVersion", "VersionStatus"]
