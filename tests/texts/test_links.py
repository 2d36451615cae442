"""Link checks: lookalikes, homoglyphs, punycode, gov.cn abuse, shorteners, raw IPs, user lists."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from qiandai.domain.errors import InvalidInputError
from qiandai.texts.domain_lists import DomainLists
from qiandai.texts.links import LinkChecker
from qiandai.texts.risk import RiskLevel

CHECKER = LinkChecker(today=date(2025, 6, 1))


def _codes(url: str, checker: LinkChecker = CHECKER) -> tuple[RiskLevel, set[str]]:
    v = checker.check(url)
    return v.risk, {r.code for r in v.reasons}


@pytest.mark.parametrize(
    "url",
    [
        "https://www.icbc.com.cn/icbc/",
        "www.alipay.com",
        "https://www.12377.cn",
        "http://www.mps.gov.cn/n2254098/",
    ],
)
def test_official_domains_are_low(url: str) -> None:
    risk, codes = _codes(url)
    assert risk is RiskLevel.LOW and "official" in codes


@pytest.mark.parametrize(
    "url, code",
    [
        ("icbc.com", "suffix"),
        ("http://icbc-secure.top/login", "brand"),
        ("http://lcbc.com.cn", "homoglyph"),
        ("https://icdc.com.cn", "edit_distance"),
        ("https://icbcc.com.cn", "brand"),
        ("aliapy.com", "edit_distance"),
        ("a1ipay.com", "homoglyph"),
        ("http://alipay.safe-pay.top", "subdomain"),
        ("12377.com", "suffix"),
        ("www.icbc.com.cn.verify-login.top", "subdomain"),
        ("www.gov.cn.verify-center.top", "subdomain"),
        ("http://mps.gov.cn-check.com", "subdomain"),
    ],
)
def test_lookalikes_are_high(url: str, code: str) -> None:
    risk, codes = _codes(url)
    assert risk is RiskLevel.HIGH
    assert code in codes


def test_punycode_homoglyph_of_alipay() -> None:
    punycode = "аlipay.com".encode("idna").decode()  # Cyrillic а
    assert punycode.startswith("xn--")
    v = CHECKER.check(f"https://{punycode}/pay")
    assert v.risk is RiskLevel.HIGH
    assert {"punycode", "homoglyph"} <= {r.code for r in v.reasons}
    assert v.display_host == "аlipay.com"
    assert CHECKER.check("https://www.аlipay.com").risk is RiskLevel.HIGH  # raw Unicode host too


@pytest.mark.parametrize("url", ["bit.ly/3xYz", "http://t.cn/A6abc", "https://url.cn/x"])
def test_shorteners_are_medium(url: str) -> None:
    risk, codes = _codes(url)
    assert risk is RiskLevel.MEDIUM and "shortener" in codes


@pytest.mark.parametrize(
    "url", ["http://1.2.3.4/pay", "http://[2001:db8::1]:8080/", "http://icbc.com.cn@10.0.0.8/"]
)
def test_raw_ips_are_high(url: str) -> None:
    risk, codes = _codes(url)
    assert risk is RiskLevel.HIGH and "raw_ip" in codes


def test_user_lists() -> None:
    lists = DomainLists()
    lists.add("blocked", "scam-shop.com", "群众举报")
    lists.add("allowed", "my-bank-partner.top")
    lists.add("new", "fresh-mall.com", registered=date(2025, 5, 20))
    lists.add("new", "old-mall.com", registered=date(2024, 1, 1))
    checker = LinkChecker(lists, today=date(2025, 6, 1))
    assert _codes("https://pay.scam-shop.com/x", checker) == (RiskLevel.HIGH, {"blocked"})
    assert _codes("my-bank-partner.top", checker)[0] is RiskLevel.LOW
    assert _codes("fresh-mall.com", checker) == (RiskLevel.MEDIUM, {"new_domain"})
    assert "new_domain" not in _codes("old-mall.com", checker)[1]


def test_ordinary_domain_is_low_with_caution() -> None:
    assert _codes("https://www.example.org") == (RiskLevel.LOW, {"none"})


@pytest.mark.parametrize(
    "url, message",
    [
        ("", "为空"),
        ("http://[::1", "格式无效"),
        ("http://", "格式无效"),
        ("ht tp://a b", "格式无效"),
        ("x" * 3000, "过长"),
    ],
)
def test_malformed_links_are_refused_clearly(url: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        CHECKER.check(url)


def test_domain_lists_roundtrip(tmp_path: Path) -> None:
    lists = DomainLists()
    lists.add("blocked", "Evil.COM.")
    lists.add("new", "a.com", registered=date(2025, 1, 2))
    path = tmp_path / "lists.json"
    lists.save(path)
    again = DomainLists.load(path)
    assert again.blocked == {"evil.com": ""} and again.new == {"a.com": date(2025, 1, 2)}
    with pytest.raises(InvalidInputError):
        lists.add("blocked", "http://x.com/a")
