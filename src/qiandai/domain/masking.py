"""Masking of personal information for logs, lists and exports (shown whole only on a logged view)."""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """Keep the first 3 and last 4 characters: ``110***********1234``."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str:
    """Keep the family name: ``张**``."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)


def mask_phone(value: str | None) -> str:
    """Keep the first 3 and last 4 digits: ``138****5678``."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_code(value: str | None, keep: int = 4) -> str:
    """Mask an identifier (insured-person number, account) leaving the last ``keep`` characters."""
    if not value:
        return ""
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]
