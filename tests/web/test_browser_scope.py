"""An institution user never sees another institution's data: pages answer 404, charts hold only theirs."""

from __future__ import annotations

from typing import Any

from web_helpers import shot


def test_cross_scope_urls_show_404(page_as: Any) -> None:
    reviewer = page_as("reviewer")
    reviewer.goto("/yb/cases")
    cases = reviewer.locator("table.grid tbody a")
    hrefs = [cases.nth(i).get_attribute("href") for i in range(cases.count())]
    inst_a = page_as("inst_a")
    own = inst_a.evaluate("fetch('/yb/charts/institutions.json').then(r => r.json())")
    own_codes = {label for label in own["yAxis"]["data"]}
    assert len(own_codes) == 1
    inst_a.goto("/yb/institutions")
    own_code = inst_a.url.rsplit("/", 1)[1]
    foreign = [h for h in hrefs if h]
    seen_404 = False
    for href in foreign:
        response = inst_a.goto(href)
        if response.status == 404:
            seen_404 = True
            assert "页面不存在" in inst_a.locator("h1").inner_text()
            shot(inst_a, "scope-404")
    assert seen_404, "inst_a should not see the other institution's case"
    reviewer.goto("/yb/institutions")
    other = next(
        a.get_attribute("href")
        for a in reviewer.locator("table.grid tbody a").all()
        if not (a.get_attribute("href") or "").endswith(own_code)
    )
    assert inst_a.goto(other).status == 404
