"""The one place where domain errors become HTTP responses.

Each :class:`~qiandai.domain.errors.QiandaiError` subclass maps to a status code; the body is
``{"error": <class name>, "message": <Chinese message>}``. Request validation errors become 422 with a
Chinese message per field.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from qiandai.domain import errors

_log = logging.getLogger(__name__)
#: Errors that mean "the database cannot be reached right now" (restart, failover, refused connection).
DATABASE_DOWN: tuple[type[Exception], ...] = (psycopg.OperationalError, sqlalchemy.exc.OperationalError)

# Most specific first: the first class in this list that the error is an instance of decides.
STATUS_BY_ERROR: list[tuple[type[errors.QiandaiError], int]] = [
    (errors.NotFoundError, 404),
    (errors.PermissionDeniedError, 403),
    (errors.AuthenticationError, 401),
    (errors.ConflictError, 409),
    (errors.InvalidInputError, 422),
    (errors.InputFileError, 422),
    (errors.InputFolderError, 422),
    (errors.RuleDefinitionError, 422),
    (errors.RuleSetVersionError, 409),
    (errors.KnowledgeBaseError, 422),
    (errors.EvaluationError, 422),
]

_TYPE_MESSAGES = {
    "missing": "缺少必填字段",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_max_places": "小数位数过多",
    "bool_parsing": "应为布尔值",
    "datetime_parsing": "日期时间格式无效",
    "datetime_from_date_parsing": "日期时间格式无效",
    "date_parsing": "日期格式无效",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "string_too_short": "文本过短",
    "string_too_long": "文本过长",
    "string_pattern_mismatch": "格式不正确",
    "greater_than": "数值过小",
    "greater_than_equal": "数值过小",
    "less_than": "数值过大",
    "less_than_equal": "数值过大",
    "json_invalid": "请求体不是有效的 JSON",
    "extra_forbidden": "不允许的字段",
    "timezone_aware": "须带时区（如 +08:00）",
    "too_short": "数量过少",
    "too_long": "数量过多",
    "decimal_max_digits": "位数过多",
    "decimal_whole_digits": "整数位数过多",
}


def status_for(exc: errors.QiandaiError) -> int:
    for cls, status in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            return status
    return 400


def _field_message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", ""))
    if error.get("type") == "value_error" and message.startswith("Value error, "):
        return message.removeprefix("Value error, ")
    return _TYPE_MESSAGES.get(str(error.get("type")), message)


async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """503 with a Chinese message for a request that failed because the database is unreachable (the
    shared decision state retries once on a fresh connection before it gets here). Nothing was
    changed, or the change is found again by its id: the caller retries with the same transfer_id /
    instruction_id. Only the error's type is logged (SQLAlchemy's text carries the parameters)."""
    _log.warning("database unavailable (%s): %s answered 503", type(exc).__name__, request.url.path)
    return JSONResponse(
        status_code=503,
        headers={"Retry-After": "1"},
        content={
            "error": "DatabaseUnavailable",
            "message": "数据库暂时不可用，本次请求未完成，请稍后用同一编号重试（不会重复处理）",
        },
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the translation of domain errors, validation errors and database outages on ``app``."""
    for error in DATABASE_DOWN:
        app.add_exception_handler(error, database_unavailable)

    @app.exception_handler(errors.QiandaiError)
    async def _domain_error(request: Request, exc: errors.QiandaiError) -> JSONResponse:
        return JSONResponse(
            status_code=status_for(exc), content={"error": type(exc).__name__, "message": exc.message}
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")),
                "message": _field_message(err),
            }
            for err in exc.errors()
        ]
        summary = "；".join(f"{f['field']}：{f['message']}" for f in fields)
        return JSONResponse(
            status_code=422,
            content={"error": "ValidationError", "message": f"请求参数有误：{summary}", "fields": fields},
        )
