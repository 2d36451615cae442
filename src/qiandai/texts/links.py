"""Link checks: lookalikes of official domains, punycode, shorteners, raw IPs, user-listed domains.

:class:`LinkChecker` is built once from the shipped brand data and the user's :class:`DomainLists` and
answers :meth:`LinkChecker.check` in microseconds (no network: no DNS, no WHOIS — "new domain" means
the user's list of newly registered domains).
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from qiandai.domain.errors import InvalidInputError
from qiandai.texts.domain_lists import DomainLists, shipped_brands
from qiandai.texts.lookalike import edit_distance, skeleton
from qiandai.texts.risk import RiskLevel, max_level

MAX_URL_CHARS = 2_048
NEW_DOMAIN_DAYS = 30

#: Appends one reason: (level, code, Chinese message).
Report = Callable[["RiskLevel", str, str], None]


@dataclass(frozen=True)
class LinkReason:
    level: RiskLevel
    code: str
    message: str


@dataclass(frozen=True)
class LinkVerdict:
    """The verdict on one link: overall level, the host as shown and as decoded, and every reason."""

    url: str
    host: str
    display_host: str
    registered_domain: str
    risk: RiskLevel
    reasons: tuple[LinkReason, ...]


class LinkChecker:
    """Checks links against the official domains, shorteners, risky TLDs and the user's lists."""

    def __init__(self, lists: DomainLists | None = None, *, today: date | None = None) -> None:
        brands = shipped_brands()
        self.lists = lists or DomainLists()
        self.today = today or date.today()
        self.official: dict[str, str] = {b["domain"]: b["name"] for b in brands["official"]}
        self.official.update({d: n or d for d, n in self.lists.official.items()})
        self.shorteners = frozenset(brands["shorteners"])
        self.risky_tlds = frozenset(brands["risky_tlds"])
        self.suffixes = frozenset(brands["multi_label_suffixes"])
        self._labels = {_first_label(d, self.suffixes): d for d in self.official if d != "gov.cn"}
        self._skeletons = {skeleton(lbl): d for lbl, d in self._labels.items()}

    def check(self, url: str) -> LinkVerdict:
        """Verdict for ``url`` (scheme optional). Raises :class:`InvalidInputError` for unusable input."""
        raw = url.strip()
        if not raw:
            raise InvalidInputError("链接为空：请提供需要检查的网址")
        if len(raw) > MAX_URL_CHARS:
            raise InvalidInputError(f"链接过长：共 {len(raw)} 个字符，上限 {MAX_URL_CHARS}")
        host, port, userinfo = _parse(raw)
        display = _display(host)
        reg = registered_domain(host, self.suffixes)
        reasons: list[LinkReason] = []

        def add(level: RiskLevel, code: str, message: str) -> None:
            reasons.append(LinkReason(level, code, message))

        if userinfo:
            add(RiskLevel.HIGH, "userinfo", f"链接中含“@”，实际访问的是 @ 之后的 {host}，前面的文字只是伪装")
        if port and port not in (80, 443):
            add(RiskLevel.MEDIUM, "port", f"使用非常用端口 {port}")
        if self._is_ip(host, add):
            return self._verdict(raw, host, display, host, reasons)
        if _in(host, self.lists.allowed):
            add(RiskLevel.LOW, "allowed", "在用户维护的白名单中")
            return self._verdict(raw, host, display, reg, reasons, cap=RiskLevel.LOW)
        if _in(host, self.lists.blocked):
            add(RiskLevel.HIGH, "blocked", f"在用户维护的黑名单中（{_note(host, self.lists.blocked)}）")
        registered = next((v for d, v in self.lists.new.items() if host == d or host.endswith("." + d)), None)
        if registered is not None and (self.today - registered).days <= NEW_DOMAIN_DAYS:
            add(
                RiskLevel.MEDIUM,
                "new_domain",
                f"新注册域名（{registered.isoformat()} 注册，不足 {NEW_DOMAIN_DAYS} 天）",
            )
        if "xn--" in host:
            add(
                RiskLevel.MEDIUM,
                "punycode",
                f"国际化域名（punycode），实际显示为“{display}”，可能用形近字冒充",
            )
        official = self._official_of(host)
        if official:
            add(RiskLevel.LOW, "official", f"官方域名：{self.official[official]}（{official}）")
            return self._verdict(raw, host, display, reg, reasons)
        self._lookalike(display, reg, add)
        if reg in self.shorteners or host in self.shorteners:
            add(RiskLevel.MEDIUM, "shortener", "短链接，看不到真实网址，须展开后再判断")
        tld = host.rsplit(".", 1)[-1]
        if tld in self.risky_tlds:
            add(RiskLevel.MEDIUM, "risky_tld", f"顶级域名 .{tld} 注册门槛低，常被诈骗网站使用")
        if host.count(".") >= 4 or len(host) > 60:
            add(RiskLevel.MEDIUM, "long_host", "域名层级过多或过长，常用于隐藏真实域名")
        if not reasons:
            add(RiskLevel.LOW, "none", "未发现仿冒、短链接或名单命中；仍请通过官方渠道核实")
        return self._verdict(raw, host, display, reg, reasons)

    def _is_ip(self, host: str, add: Report) -> bool:
        try:
            ip = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return False
        kind = "内网" if ip.is_private else "公网"
        add(RiskLevel.HIGH, "raw_ip", f"直接使用 IP 地址（{kind} {ip}）而非域名，正规机构不会这样发链接")
        return True

    def _official_of(self, host: str) -> str | None:
        for d in self.official:
            if host == d or host.endswith("." + d):
                return d
        return None

    def _lookalike(self, display: str, reg: str, add: Report) -> None:
        """Append lookalike reasons: same name other suffix, homoglyphs, edit distance, brand in subdomain."""
        report = add
        sub = display[: -len(reg)].rstrip(".") if display.endswith(reg) else ""
        for d in self.official:
            if f".{d}." in f".{sub}." or f".{d}-" in f".{display}" or sub.endswith(d.replace(".", "-")):
                name = self.official[d]
                report(RiskLevel.HIGH, "subdomain", f"子域名冒用官方域名 {d}（{name}），真实域名是 {reg}")
                return
        label = _first_label(reg, self.suffixes)
        dlabel = skeleton(_first_label(registered_domain(display, self.suffixes), self.suffixes))
        for lbl, d in self._labels.items():
            name = self.official[d]
            if lbl == label:
                report(RiskLevel.HIGH, "suffix", f"与 {name} 官方域名 {d} 名称相同但后缀不同")
                return
            if len(lbl) >= 4 and (
                f"{lbl}-" in label or f"-{lbl}" in label or (label.startswith(lbl) and len(label) > len(lbl))
            ):
                report(RiskLevel.HIGH, "brand", f"含 {name} 的品牌名“{lbl}”，但不是官方域名 {d}")
                return
            if len(lbl) >= 3 and f"{lbl}." in sub + ".":
                report(RiskLevel.HIGH, "subdomain", f"子域名含 {name} 的品牌名“{lbl}”，真实域名是 {reg}")
                return
        if dlabel in self._skeletons and self._labels.get(label) is None:
            d = self._skeletons[dlabel]
            report(RiskLevel.HIGH, "homoglyph", f"用形近字符冒充 {self.official[d]} 官方域名 {d}")
            return
        for lbl, d in self._labels.items():
            if len(lbl) < 4 or lbl.isdigit():
                continue
            limit = 2 if len(lbl) >= 8 else 1
            dist = edit_distance(label, lbl, limit)
            if 0 < dist <= limit:
                report(
                    RiskLevel.HIGH,
                    "edit_distance",
                    f"与 {self.official[d]} 官方域名 {d} 仅相差 {dist} 个字符",
                )
                return

    def _verdict(
        self,
        url: str,
        host: str,
        display: str,
        reg: str,
        reasons: list[LinkReason],
        cap: RiskLevel | None = None,
    ) -> LinkVerdict:
        level = max_level([r.level for r in reasons])
        if cap is not None and level.rank > cap.rank:
            level = cap
        return LinkVerdict(url, host, display, reg, level, tuple(reasons))


def _parse(raw: str) -> tuple[str, int | None, bool]:
    text = raw if "://" in raw[:12] else "http://" + raw
    try:
        parts = urlsplit(text)
        port = parts.port
        host = (parts.hostname or "").rstrip(".")
    except ValueError as exc:
        raise InvalidInputError(f"链接格式无效：{raw[:80]}（{exc}）") from None
    if parts.scheme not in ("http", "https", "hxxp", "hxxps") or not host or ".." in host or " " in host:
        raise InvalidInputError(f"链接格式无效：{raw[:80]}（无法识别域名）")
    if any(ord(c) > 127 for c in host):
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidInputError(f"链接格式无效：{raw[:80]}（域名含无法编码的字符）") from None
    return host.lower(), port, bool(parts.username)


def _display(host: str) -> str:
    labels = []
    for label in host.split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError):
                label = label.encode("ascii").decode("idna")
        labels.append(label)
    return ".".join(labels)


def registered_domain(host: str, suffixes: frozenset[str]) -> str:
    """The registrable domain: ``a.b.icbc.com.cn`` → ``icbc.com.cn`` (with the shipped suffix list)."""
    labels = host.split(".")
    n = 3 if len(labels) >= 3 and ".".join(labels[-2:]) in suffixes else 2
    return ".".join(labels[-n:])


def _first_label(domain: str, suffixes: frozenset[str]) -> str:
    return registered_domain(domain, suffixes).split(".")[0]


def _in(host: str, domains: dict[str, str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _note(host: str, domains: dict[str, str]) -> str:
    return next((n or d for d, n in domains.items() if host == d or host.endswith("." + d)), "")
