"""Anti-fraud pages in the browser: a grid worker handles a warning on a phone; police place and lift
a stop-payment; the live dashboard draws; a draft scenario is back-tested."""

from __future__ import annotations

from typing import Any

from web_helpers import shot, wait_charts


def test_grid_worker_handles_a_warning_on_a_phone(page_as: Any) -> None:
    page = page_as("grid", phone=True)
    page.goto("/fz/warnings")
    assert page.locator("#warnings .countdown").count() >= 1
    page.wait_for_function("() => /剩余|已超时/.test(document.querySelector('.countdown').textContent)")
    shot(page, "fz-warnings-phone")
    page.locator("#warnings a", has_text="处置").first.click()
    page.wait_for_load_state("networkidle")
    assert "*" in page.locator("#victim .masked").inner_text()
    page.check("#contact-form input[name=reached]")
    page.fill("#contact-form input[name=note]", "已电话劝阻，对方表示不再转账")
    page.click("#contact-form button")
    page.wait_for_load_state("networkidle")
    assert "已登记联系情况" in page.locator("#flash").inner_text()
    page.select_option("#close-form select[name=outcome]", "劝阻成功")
    page.click("#close-form button")
    page.wait_for_load_state("networkidle")
    assert "劝阻成功" in page.locator("#warning-status").inner_text()
    assert "已电话劝阻" in page.locator(".timeline").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "fz-warning-closed-phone")


def test_police_place_and_lift_a_stop_payment(page_as: Any) -> None:
    page = page_as("police")
    page.goto("/fz/holds")
    form = page.locator("#hold-form")
    form.locator("select[name=kind]").select_option("stop_payment")
    form.locator("input[name=account]").fill("6222021234567890")
    form.locator("input[name=amount]").fill("30000")
    form.locator("input[name=document_ref]").fill("杭公(反诈)止字〔2025〕101号")
    form.locator("button").click()
    page.wait_for_load_state("networkidle")
    message = page.locator("#flash").inner_text()
    assert "已紧急止付" in message
    assert "6222021234567890" not in page.url and "6222021234567890" not in page.content()
    row = page.locator("#holds tbody tr", has_text="7890").first
    assert "生效中" in row.inner_text()
    shot(page, "fz-holds-placed")
    row.locator("form[action$='/release'] input[name=document_ref]").fill("杭公(反诈)解字〔2025〕7号")
    page.once("dialog", lambda d: d.accept())
    row.locator("button[data-action=release]").click()
    page.wait_for_load_state("networkidle")
    assert "已解冻/解除止付" in page.locator("#flash").inner_text()
    hold_id = message.split("编号 ")[1].split("，")[0]
    assert "已解除" in page.locator(f"#holds tr[data-hold='{hold_id}']").inner_text()


def test_live_dashboard_and_scenario_backtest(page_as: Any) -> None:
    page = page_as("police")
    page.goto("/fz")
    wait_charts(page, 1)
    assert "今日拦截" in page.locator("#fz-cards").inner_text()
    shot(page, "fz-dashboard")
    page.goto("/fz/scenarios")
    page.locator("form[action='/fz/scenarios/drafts'] button").click()
    page.wait_for_load_state("networkidle")
    assert "已新建草稿" in page.locator("#flash").inner_text()
    page.locator("form[action$='/backtest'] button").click()
    page.wait_for_load_state("networkidle")
    assert "重放笔数" in page.locator("#backtest").inner_text()
    shot(page, "fz-scenario-backtest")
