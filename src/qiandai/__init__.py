"""Qiandai (钱袋): anti-fraud supervision for the medical-insurance fund and against telecom fraud."""

__version__ = "0.1.0"
