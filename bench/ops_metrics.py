"""Per-request CPU cost of the request-metrics middleware (qiandai.api.ops.RequestMetrics).

Drives the middleware around a trivial ASGI app in-process (no network, no FastAPI routing) and prints
the median time per request with and without it, over repeats.

    .venv/bin/python bench/ops_metrics.py [--requests 20000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from qiandai.api.ops import RequestMetrics


class _Route:
    path = "/bench/{item}"


async def _inner(scope: dict[str, Any], receive: Any, send: Any) -> None:
    scope["route"] = _Route
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def _send(message: dict[str, Any]) -> None:
    return None


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


async def _per_request_us(app: Any, n: int) -> float:
    scope = {"type": "http", "method": "GET", "headers": [(b"host", b"bench")], "path": "/bench/1"}
    start = time.perf_counter()
    for _ in range(n):
        await app(dict(scope), _receive, _send)
    return (time.perf_counter() - start) / n * 1e6


async def _main(n: int, repeats: int) -> None:
    wrapped = RequestMetrics(_inner)
    bare, with_mw = [], []
    for _ in range(repeats):
        bare.append(await _per_request_us(_inner, n))
        with_mw.append(await _per_request_us(wrapped, n))
    b, w = statistics.median(bare), statistics.median(with_mw)
    print(f"requests per repeat: {n}, repeats: {repeats}")
    print(f"bare ASGI app:            {b:.2f} µs/request (median)")
    print(f"with RequestMetrics:      {w:.2f} µs/request (median)")
    print(f"middleware overhead:      {w - b:.2f} µs/request")
    print(f"reproduce: .venv/bin/python bench/ops_metrics.py --requests {n} --repeats {repeats}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(_main(args.requests, args.repeats))
