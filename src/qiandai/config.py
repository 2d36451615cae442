"""One settings object: every ``QIANDAI_*`` environment variable, typed and validated (pydantic-settings).

Qiandai is configured only by environment variables (a service reads them from
``/etc/qiandai/qiandai.env``, see ``docs/deployment.md``); no configuration file is read. Every module
reads its configuration through :func:`get_settings`, never ``os.environ`` directly, so that

- an invalid value (``QIANDAI_TRANSFER_DB_POOL=abc``, a malformed ``QIANDAI_WARNING_SLA``) stops the
  process at start-up with a Chinese :class:`ConfigurationError` naming the variable, instead of being
  replaced silently by a default;
- ``docs/configuration.md`` is generated from the fields below (:func:`reference_markdown`,
  ``qiandai config doc``) and a test fails when it is stale.

:func:`get_settings` is cheap enough to call at the point of use: it keeps the last object built and
rebuilds it only when one of the variables it reads has changed (tests change them with
``monkeypatch.setenv``), which it checks by comparing the raw values (tens of microseconds, see
``docs/adr/0065-settings-object.md``). :func:`reset_settings` forgets the cached object.

This module sits outside the import layers: it imports only the standard library, pydantic and
:mod:`qiandai.domain.errors`, so any layer may use it.
"""

from __future__ import annotations

import base64
import binascii
import os
import threading
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from qiandai.domain.errors import QiandaiError

PREFIX = "QIANDAI_"
SLA_LEVELS = ("高", "中", "低")

#: Groups of the reference document, in order: (key, heading).
GROUPS = (
    ("core", "Core"),
    ("database", "Database connection pool (PostgreSQL)"),
    ("ops", "Logging and operations"),
    ("web", "Web console"),
    ("transfers", "Transfer protection (real-time decisions)"),
    ("cards", "Cards (account opening and punishment)"),
    ("batch", "Batch engines"),
    ("dev", "Development and tests only"),
)


class ConfigurationError(QiandaiError):
    """An environment variable holds a value Qiandai cannot use (the message names it, in Chinese)."""


def _meta(group: str, default_text: str | None = None, secret: bool = False) -> dict[str, Any]:
    extra: dict[str, Any] = {"group": group, "secret": secret}
    if default_text is not None:
        extra["default_text"] = default_text
    return extra


def _default_home() -> Path:
    return Path.home() / ".qiandai"


def parse_rate(spec: str) -> tuple[int, float]:
    """``"20/300"`` → ``(20, 300.0)``: events per window of seconds (both positive)."""
    limit, sep, window = spec.partition("/")
    try:
        events, seconds = int(limit.strip()), float(window.strip())
    except ValueError:
        events, seconds = 0, 0.0
    if not sep or events <= 0 or seconds <= 0:
        raise ValueError("格式应为“次数/秒数”（如 20/300），两者均为正数")
    return events, seconds


def parse_sla(spec: str) -> dict[str, int]:
    """``"高=30,中=120"`` → ``{"高": 30, "中": 120}`` (minutes, positive integers, known levels only)."""
    minutes: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, sep, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or name not in SLA_LEVELS:
            raise ValueError(f"“{part}”应写成“级别=分钟数”，级别只能是 高、中、低（如 高=30,中=120,低=1440）")
        if not value.isdigit() or int(value) <= 0:
            raise ValueError(f"“{part}”中的分钟数应为正整数")
        minutes[name] = int(value)
    return minutes


class Settings(BaseSettings):
    """Every environment variable Qiandai reads (``QIANDAI_`` + the field name in upper case)."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX,
        env_ignore_empty=True,  # ``QIANDAI_SECRET_KEY=`` in an env file means "not set"
        extra="ignore",
        validate_default=True,
        frozen=True,
    )

    # -- core -----------------------------------------------------------------------------------------
    home: Path = Field(
        default_factory=_default_home,
        description="Working folder: knowledge base `kb.duckdb`, rule-set versions `rulesets/`, "
        "`secret.key`, console audit runs `web-runs/`, models `models/`, the default SQLite database. "
        "Created on first use.",
        json_schema_extra=_meta("core", "`~/.qiandai`"),
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the database, e.g. "
        "`postgresql+psycopg://qiandai:…@127.0.0.1:5432/qiandai`. PostgreSQL for production; SQLite for "
        "one-machine use and tests. The password is masked by `qiandai config show`.",
        json_schema_extra=_meta("core", "`sqlite:///$QIANDAI_HOME/qiandai.db`", secret=True),
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Fernet key (urlsafe base64 of 32 bytes) encrypting sensitive stored fields "
        "(`supervision/crypto.py`). Must be identical on every worker/host. Back it up apart from the "
        "database. Never shown by `qiandai config show`.",
        json_schema_extra=_meta(
            "core", "read from `$QIANDAI_HOME/secret.key`, created (mode 0600) on first use", secret=True
        ),
    )

    # -- database pool --------------------------------------------------------------------------------
    db_pool_size: int = Field(
        default=20,
        ge=1,
        le=1000,
        description="Connections kept open per worker process by the application's engine (PostgreSQL "
        "only; SQLite ignores the pool settings). Keep pool + overflow above the API's 40 worker "
        "threads so that no request waits for a connection held by a request waiting for a thread.",
        json_schema_extra=_meta("database"),
    )
    db_max_overflow: int = Field(
        default=30,
        ge=0,
        le=1000,
        description="Extra connections opened under load beyond the pool and closed when returned. "
        "Workers × (pool + overflow + transfer pool + 4) must stay below PostgreSQL `max_connections`.",
        json_schema_extra=_meta("database"),
    )
    db_pool_recycle: int = Field(
        default=1800,
        ge=-1,
        description="Seconds after which a pooled connection is replaced when next checked out "
        "(`-1`: never). Keeps connections younger than intranet firewalls' idle timeouts.",
        json_schema_extra=_meta("database"),
    )

    # -- logging and operations -----------------------------------------------------------------------
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="`json`: `qiandai serve` logs one JSON object per line on stderr (`time`, `level`, "
        "`logger`, `message`, `request_id` when the caller sent `X-Request-ID`, `exception`), ID "
        "numbers / mobile numbers / bank card numbers in messages masked (`qiandai/logs.py`). `text`: "
        "uvicorn's usual text logs. Case-insensitive.",
        json_schema_extra=_meta("ops"),
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="INFO",
        description="Root log level in JSON mode. Case-insensitive.",
        json_schema_extra=_meta("ops"),
    )
    prometheus_multiproc_dir: Path | None = Field(
        default=None,
        validation_alias="PROMETHEUS_MULTIPROC_DIR",
        description="Not a `QIANDAI_` variable; also read by `prometheus_client` itself: a writable "
        "folder, **empty at start**. Required with `qiandai serve --workers N>1`, otherwise each scrape "
        "sees one random worker's counters. `/metrics` then aggregates every worker's files.",
        json_schema_extra=_meta("ops", "unset: single-process registry"),
    )

    # -- web console ----------------------------------------------------------------------------------
    cookie_secure: bool = Field(
        default=False,
        description="`1` forces the `Secure` flag on session/CSRF cookies (set it behind a "
        "TLS-terminating proxy). Accepts `1/0`, `true/false`, `yes/no`, `on/off`.",
        json_schema_extra=_meta("web", "`0`: Secure only when the request itself is HTTPS"),
    )
    rate_login: str = Field(
        default="20/300",
        description="Login attempts per username + client address, `events/seconds`, shared by all "
        "workers (database-backed).",
        json_schema_extra=_meta("web"),
    )
    rate_report: str = Field(
        default="5/3600",
        description="Public fraud reports per client address, `events/seconds`.",
        json_schema_extra=_meta("web"),
    )
    rate_report_status: str = Field(
        default="30/600",
        description="Public report-status look-ups per client address, `events/seconds`.",
        json_schema_extra=_meta("web"),
    )
    job_heartbeat: float = Field(
        default=10.0,
        gt=0,
        description="Seconds between heartbeats of a console audit job while queued or running.",
        json_schema_extra=_meta("web"),
    )
    job_stale: float = Field(
        default=60.0,
        gt=0,
        description="Seconds after which an unfinished job without heartbeat is taken to belong to a "
        "dead worker (marked failed).",
        json_schema_extra=_meta("web"),
    )
    audit_dirs: str = Field(
        default="",
        description="Extra audit output folders shown in the console, separated by `os.pathsep` "
        "(`:` on Linux).",
        json_schema_extra=_meta("web", "none"),
    )

    # -- transfers ------------------------------------------------------------------------------------
    transfer_state: Literal["embedded", "postgres"] = Field(
        default="embedded",
        description="`postgres`: velocity counts and holds are kept in PostgreSQL and shared by every "
        "worker/host (required for exact counts with several workers, ADR 0020). `embedded`: "
        "in-process state, one worker only.",
        json_schema_extra=_meta("transfers"),
    )
    transfer_db_pool: int = Field(
        default=10,
        ge=1,
        le=500,
        description="Connections of the decision runtime's own pool per worker (and decision threads "
        "= pool + 2). Keep workers × (pool + 4) below PostgreSQL `max_connections`.",
        json_schema_extra=_meta("transfers"),
    )
    warning_sla: str = Field(
        default="高=30,中=120,低=1440",
        description="Handling deadlines of warnings by level in minutes, e.g. `高=30,中=120,低=1440`; "
        "missing levels keep their default; levels other than 高/中/低 or non-positive minutes are "
        "refused.",
        json_schema_extra=_meta("transfers"),
    )

    # -- cards ----------------------------------------------------------------------------------------
    opening_per_bank_cap: int = Field(
        default=1,
        ge=1,
        description="Accounts one person may open per bank.",
        json_schema_extra=_meta("cards"),
    )
    opening_total_cap: int = Field(
        default=5,
        ge=1,
        description="Accounts one person may open in total.",
        json_schema_extra=_meta("cards"),
    )
    punish_designated_years: int = Field(
        default=2,
        ge=1,
        le=50,
        description="Punishment duration (years) for designated persons.",
        json_schema_extra=_meta("cards"),
    )
    punish_convicted_years: int = Field(
        default=3,
        ge=1,
        le=50,
        description="Punishment duration (years) for convicted persons.",
        json_schema_extra=_meta("cards"),
    )
    punish_max_years: int = Field(
        default=5,
        ge=1,
        le=50,
        description="Maximum consecutive punishment years.",
        json_schema_extra=_meta("cards"),
    )

    # -- batch ----------------------------------------------------------------------------------------
    spark_master: str = Field(
        default="",
        description="Spark master URL of the optional Spark batch engine (`qiandai/batch/spark.py`), "
        "used by `--engine spark` when `--spark-master` is not given: `local[N]`, `spark://host:7077`, "
        "`yarn` (docs/spark.md).",
        json_schema_extra=_meta("batch", "`local[2]`"),
    )

    # -- development ----------------------------------------------------------------------------------
    test_crash_after_hold_commit: bool = Field(
        default=False,
        description="Fault-injection hook of the transfer kill test (`transfers/runtime.py`): the "
        "process kills itself after committing a hold. Never set it in production.",
        json_schema_extra=_meta("dev"),
    )

    # -- validators -----------------------------------------------------------------------------------
    @field_validator("home", mode="after")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("log_format", "log_level", "transfer_state", mode="before")
    @classmethod
    def _normalise_choice(cls, value: Any, info: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = value.strip()
        return value.upper() if info.field_name == "log_level" else value.lower()

    @field_validator("database_url", mode="after")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from sqlalchemy.engine import make_url  # lazily: this module stays free of SQLAlchemy at import
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except ArgumentError:
            example = "postgresql+psycopg://用户@主机:5432/库名"
            raise ValueError(f"不是有效的数据库地址，应形如 {example}") from None
        if url.get_backend_name() not in ("postgresql", "sqlite"):
            raise ValueError(f"不支持的数据库类型 {url.get_backend_name()}，只支持 PostgreSQL 和 SQLite")
        return value

    @field_validator("secret_key", mode="after")
    @classmethod
    def _check_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        try:
            raw = base64.urlsafe_b64decode(value.get_secret_value().strip().encode())
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            raise ValueError("应为 Fernet 密钥（32 字节的 urlsafe base64 编码，44 个字符）")
        return value

    @field_validator("rate_login", "rate_report", "rate_report_status", mode="after")
    @classmethod
    def _check_rate(cls, value: str) -> str:
        parse_rate(value)
        return value.strip()

    @field_validator("warning_sla", mode="after")
    @classmethod
    def _check_sla(cls, value: str) -> str:
        parse_sla(value)
        return value

    # -- derived values -------------------------------------------------------------------------------
    @property
    def audit_dir_paths(self) -> list[Path]:
        return [Path(p) for p in self.audit_dirs.split(os.pathsep) if p.strip()]

    def secret_key_value(self) -> str | None:
        """The Fernet key from ``QIANDAI_SECRET_KEY`` (``None``: use ``$QIANDAI_HOME/secret.key``)."""
        return self.secret_key.get_secret_value().strip() if self.secret_key is not None else None


def env_name(field: str) -> str:
    """The environment variable of a :class:`Settings` field."""
    alias = Settings.model_fields[field].validation_alias
    return alias if isinstance(alias, str) else PREFIX + field.upper()


#: Every environment variable the settings read, in field order.
ENV_NAMES: tuple[str, ...] = tuple(env_name(f) for f in Settings.model_fields)

# -- the cached object ---------------------------------------------------------------------------------
_lock = threading.Lock()
_cached: tuple[tuple[str | None, ...], Settings] | None = None


def _snapshot() -> tuple[str | None, ...]:
    """The raw values of every variable the settings read (compared to decide whether to rebuild)."""
    return tuple(map(os.environ.get, ENV_NAMES))


def get_settings() -> Settings:
    """The validated settings; rebuilt only when one of the variables changed. Raises
    :class:`ConfigurationError` (Chinese, naming each bad variable) when a value is invalid."""
    global _cached
    key = _snapshot()
    cached = _cached
    if cached is not None and cached[0] == key:
        return cached[1]
    with _lock:
        built = load_settings()
        _cached = (key, built)
    return built


def setting_or_default(field: str) -> Any:
    """One setting for code that runs at *import* time: its value, or its default while the
    environment is invalid, so that importing a module never fails. The invalid value still stops
    the process at start-up (``qiandai serve``, :func:`qiandai.api.app.create_app` and every command
    that touches the database read :func:`get_settings`)."""
    try:
        return getattr(get_settings(), field)
    except ConfigurationError:
        return Settings.model_fields[field].get_default(call_default_factory=True)


def rate_spec(name: str, default: str) -> str:
    """``QIANDAI_RATE_<NAME>`` (``events/seconds``) of a rate limiter built at import time, or
    ``default`` for a limiter without a setting (see :func:`setting_or_default`)."""
    field = f"rate_{name.lower()}"
    if field not in Settings.model_fields:
        return default
    return str(setting_or_default(field))


def reset_settings() -> None:
    """Forget the cached object (the next :func:`get_settings` reads the environment again)."""
    global _cached
    _cached = None


def load_settings() -> Settings:
    """Read and validate the environment now (no cache)."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigurationError(_describe(exc)) from None


# -- Chinese error messages ----------------------------------------------------------------------------
def _shown(field: str | None, value: Any) -> str:
    """The offending value as it may be shown (secrets hidden, a database password masked)."""
    if field == "secret_key":
        return "（已隐藏）"
    text = str(value)
    if field == "database_url":
        text = mask_url(text)
    return f"“{text[:80]}”"


def _reason(error: Any, field: str | None) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return "应为整数"
    if kind in ("float_parsing", "float_type"):
        return "应为数字"
    if kind in ("bool_parsing", "bool_type"):
        return "应为 1 或 0（也可写 true/false、yes/no、on/off）"
    if kind == "greater_than_equal":
        return f"应不小于 {ctx.get('ge')}"
    if kind == "greater_than":
        return f"应大于 {ctx.get('gt')}"
    if kind == "less_than_equal":
        return f"应不大于 {ctx.get('le')}"
    if kind == "less_than":
        return f"应小于 {ctx.get('lt')}"
    if kind == "literal_error" and field in Settings.model_fields:
        allowed = get_args(Settings.model_fields[field].annotation)
        return "应为以下之一：" + "、".join(str(a) for a in allowed)
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    return f"取值无效（{error.get('msg', kind)}）"


def _describe(exc: ValidationError) -> str:
    by_alias = {env_name(f): f for f in Settings.model_fields}
    lines = []
    for error in exc.errors(include_url=False):
        loc = str(error["loc"][0]) if error["loc"] else ""
        field = by_alias.get(loc, loc if loc in Settings.model_fields else None)
        name = env_name(field) if field else loc
        shown, reason = _shown(field, error.get("input")), _reason(error, field)
        lines.append(f"环境变量 {name} 的值 {shown} 无效：{reason}")
    head = "配置错误（环境变量），请修改后重新启动" if len(lines) > 1 else "配置错误"
    return head + "：" + "；".join(lines) + "。各变量说明见 docs/configuration.md"


def mask_url(url: str) -> str:
    """A database URL with its password hidden (``***``)."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: show only its scheme
        return url.split("://", 1)[0] + "://***" if "://" in url else "***"


# -- show and document ---------------------------------------------------------------------------------
def describe_values(settings: Settings) -> list[tuple[str, str, str]]:
    """``(variable, value as shown, source)`` for every setting; secrets masked."""
    rows = []
    for field in Settings.model_fields:
        name = env_name(field)
        source = "环境变量" if field in settings.model_fields_set else "默认值"
        value = getattr(settings, field)
        if field == "secret_key":
            shown = "已设置（已隐藏）" if value is not None else "未设置（使用 $QIANDAI_HOME/secret.key）"
        elif field == "database_url":
            default_db = (settings.home / "qiandai.db").as_posix()
            shown = mask_url(value) if value else f"未设置（sqlite:///{default_db}）"
        elif value is None or value == "":
            shown = "未设置"
        elif isinstance(value, bool):
            shown = "1" if value else "0"
        else:
            shown = str(value)
        rows.append((name, shown, source))
    return rows


BEGIN = "<!-- settings:begin (generated by `qiandai config doc --write docs/configuration.md`) -->"
END = "<!-- settings:end -->"


def _default_text(field: str) -> str:
    info = Settings.model_fields[field]
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    if "default_text" in extra:
        return str(extra["default_text"])
    default = info.get_default(call_default_factory=True)
    if isinstance(default, bool):
        return "`1`" if default else "`0`"
    if isinstance(default, float) and default.is_integer():
        default = int(default)
    return f"`{default}`"


def _type_text(field: str) -> str:
    annotation = Settings.model_fields[field].annotation
    args = [a for a in get_args(annotation) if a is not type(None)]
    if args and all(isinstance(a, str) for a in args):
        return " \\| ".join(f"`{a}`" for a in args)
    base: Any = args[0] if args else annotation
    meta = Settings.model_fields[field].metadata
    bounds = []
    for m in meta:
        for attr, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            if getattr(m, attr, None) is not None:
                bounds.append(f"{sign} {getattr(m, attr)}")
    names: dict[Any, str] = {
        int: "integer",
        float: "number",
        bool: "boolean",
        str: "text",
        Path: "path",
        SecretStr: "secret",
    }
    text = names.get(base) or str(getattr(base, "__name__", base))
    return text + (f" ({', '.join(bounds)})" if bounds else "")


def reference_markdown() -> str:
    """The variables' tables of ``docs/configuration.md`` (between the generated-section markers)."""
    out = [BEGIN, ""]
    for group, heading in GROUPS:
        fields = [
            f
            for f, info in Settings.model_fields.items()
            if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("group") == group
        ]
        if not fields:
            continue
        out += [f"## {heading}", "", "| Variable | Type | Meaning | Default |", "|---|---|---|---|"]
        for f in fields:
            description = (Settings.model_fields[f].description or "").replace("|", "\\|")
            out.append(f"| `{env_name(f)}` | {_type_text(f)} | {description} | {_default_text(f)} |")
        out.append("")
    out.append(END)
    return "\n".join(out)


def replace_reference(document: str) -> str:
    """``document`` with its generated section replaced by :func:`reference_markdown`."""
    start, end = document.find(BEGIN), document.find(END)
    if start < 0 or end < start:
        raise ConfigurationError(f"文档中没有找到生成区块的标记（{BEGIN} … {END}）")
    return document[:start] + reference_markdown() + document[end + len(END) :]
