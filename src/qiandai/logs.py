"""Logging set-up: plain text by default, one JSON object per line with ``QIANDAI_LOG_FORMAT=json``.

JSON lines carry ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, ``request_id`` (from the
caller's ``X-Request-ID`` header, set by :class:`qiandai.api.ops.RequestMetrics`) and ``exception``
when there is one. Personal information in the message is masked with :mod:`qiandai.domain.masking`
whatever the caller logged: 18-character ID numbers, 11-digit mainland mobile numbers and 16–19-digit
bank card numbers. Masking is a safety net; code must still log masked values in the first place.

:func:`uvicorn_log_config` returns a ``logging.config.dictConfig`` dictionary that ``qiandai serve``
passes to uvicorn, so every worker process (uvicorn spawns them) configures itself the same way.
This module imports only :mod:`qiandai.domain`.
"""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from qiandai.config import get_settings
from qiandai.domain.masking import mask_code, mask_id_number, mask_phone

request_id_var: ContextVar[str | None] = ContextVar("qiandai_request_id", default=None)

# Digits not glued to other digits/letters, so an 18-digit ID is never read as a 16-digit card.
_ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[\dXx](?![0-9A-Za-z])"
)
_CARD = re.compile(r"(?<![0-9A-Za-z])\d{16,19}(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def mask_personal(message: str) -> str:
    """Mask ID numbers, mobile numbers and bank card numbers found anywhere in ``message``."""
    if not any(c.isdigit() for c in message):
        return message
    message = _ID_NUMBER.sub(lambda m: mask_id_number(m.group()), message)
    message = _CARD.sub(lambda m: mask_code(m.group()), message)
    return _PHONE.sub(lambda m: mask_phone(m.group()), message)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, personal information masked."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_personal(record.getMessage()),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = mask_personal(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def log_format() -> str:
    """``json`` or ``text`` from ``QIANDAI_LOG_FORMAT`` (another value stops start-up: qiandai.config)."""
    return get_settings().log_format


def log_level() -> str:
    """``QIANDAI_LOG_LEVEL`` (default ``INFO``)."""
    return get_settings().log_level


def uvicorn_log_config() -> dict[str, Any] | None:
    """The dictConfig for uvicorn: ``None`` keeps uvicorn's own text format; JSON routes all to root."""
    if log_format() != "json":
        return None
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "qiandai.logs.JsonFormatter"}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
        },
        "root": {"handlers": ["stderr"], "level": log_level()},
        "loggers": {
            name: {"handlers": [], "level": log_level(), "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


def configure_logging() -> None:
    """Apply :func:`uvicorn_log_config` to this process (no-op in text mode)."""
    import logging.config

    config = uvicorn_log_config()
    if config is not None:
        logging.config.dictConfig(config)
