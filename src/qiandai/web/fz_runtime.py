"""The process's transfer runtime as the web console reaches it (for holds and list changes).

It is the same object the API uses: both faces keep it on ``app.state.transfers`` and create it on
first use. Until the transfers module offers one shared accessor, this mirrors the API's creation
(lock, warm-up, background expiry loop) so whichever face comes first creates it once.
"""

from __future__ import annotations

import threading

from fastapi import Request

from qiandai.transfers.runtime import TransferRuntime

_lock = threading.Lock()


def runtime(request: Request) -> TransferRuntime:
    state = request.app.state
    found: TransferRuntime | None = getattr(state, "transfers", None)
    if found is None:
        with _lock:
            found = getattr(state, "transfers", None)
            if found is None:
                found = TransferRuntime(state.session_factory)
                found.start_background()
                state.transfers = found
    return found
