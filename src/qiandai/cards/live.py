"""Keep a live transfer runtime in step with list changes made by this module."""

from __future__ import annotations

from typing import Any

from qiandai.store.database import unit_of_work


def refresh_live_lists(app_state: Any) -> None:
    """After a commit that changed ``tx_list_entry``: reload the lists of the process's transfer runtime,
    if one has been started (``app.state.transfers``); other processes load them at their start-up."""
    rt = getattr(app_state, "transfers", None)
    if rt is not None:
        with unit_of_work(app_state.session_factory) as session:
            rt.reload_lists(session)
