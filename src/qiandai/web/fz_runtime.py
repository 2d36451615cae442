"""The process's transfer runtime as the web console reaches it (for holds and list changes).

The same object the API uses: both faces go through :func:`qiandai.transfers.runtime.runtime_for`.
"""

from __future__ import annotations

from fastapi import Request

from qiandai.transfers.runtime import TransferRuntime, runtime_for


def runtime(request: Request) -> TransferRuntime:
    return runtime_for(request.app.state)
