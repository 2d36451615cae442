"""One error hierarchy for the whole platform.

Every error carries a Chinese message for users (``message``) and, where it helps, the place it
refers to. The faces (CLI, API) translate these errors once; nothing else catches them to print.
"""

from __future__ import annotations


class QiandaiError(Exception):
    """Base of every error Qiandai raises on purpose. ``str(err)`` is the Chinese message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputFileError(QiandaiError):
    """An input file cannot be used at all: unreadable, wrong header, missing required columns."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"输入文件 {path}：{reason}")
        self.path = path
        self.reason = reason


class InputFolderError(QiandaiError):
    """An input folder lacks a table that is required, or holds two files for one table."""


class KnowledgeBaseError(QiandaiError):
    """A knowledge-base file cannot be loaded (unknown layout, missing columns, unreadable)."""


class RuleDefinitionError(QiandaiError):
    """A rule definition is invalid: unknown template, bad parameter, unknown rule code."""


class RuleSetVersionError(QiandaiError):
    """A rule-set version does not exist or cannot change (published versions are immutable)."""


class EvaluationError(QiandaiError):
    """Findings or ground truth cannot be compared (missing files, wrong columns)."""


class InvalidInputError(QiandaiError):
    """A request or record is invalid (a field out of range, an unknown code); nothing was stored."""


class NotFoundError(QiandaiError):
    """The resource does not exist, or lies outside the caller's scope (both answer 404)."""


class ConflictError(QiandaiError):
    """The request conflicts with the current state (a closed case, an already published version)."""


class AuthenticationError(QiandaiError):
    """The caller is not logged in, or the credentials are wrong."""


class PermissionDeniedError(QiandaiError):
    """The caller's role may not perform this action (on a resource inside their scope)."""
