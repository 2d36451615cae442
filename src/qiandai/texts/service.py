"""Entry points the faces (API, CLI) call, bound to a working folder (``$QIANDAI_HOME``).

The screener is cached per working folder and rebuilt when the user's knowledge base, active model or
domain lists change (their modification times are part of the cache key).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from qiandai.texts.domain_lists import DomainLists, lists_path
from qiandai.texts.links import LinkChecker
from qiandai.texts.merchants import MerchantRegistry, registry_path
from qiandai.texts.methods import user_book_path
from qiandai.texts.payment_page import PaymentPageContext, PaymentPageVerdict, check_payment_page
from qiandai.texts.screening import TextScreener
from qiandai.texts.training import models_dir


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _signature(home: Path) -> tuple[float, float, float]:
    return (
        _mtime(user_book_path(home)),
        _mtime(models_dir(home) / "active" / "model.json"),
        _mtime(lists_path(home)),
    )


@lru_cache(maxsize=4)
def _screener(home: Path, signature: tuple[float, float, float]) -> TextScreener:
    return TextScreener.open(home)


def screener_for(home: Path) -> TextScreener:
    """The screener of ``home``, built once and reused until a user file changes."""
    return _screener(home, _signature(home))


def link_checker_for(home: Path) -> LinkChecker:
    return LinkChecker(DomainLists.load(lists_path(home)))


def check_payment(ctx: PaymentPageContext, home: Path) -> PaymentPageVerdict:
    """Payment-page verdict against the merchant registry of ``home``."""
    return check_payment_page(ctx, MerchantRegistry.load(registry_path(home)))
