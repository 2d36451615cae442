"""Load generation shared by the decision benchmarks (``bench/transfers.py``, ``bench/soak.py``).

A raw keep-alive HTTP/1.1 client on asyncio (no HTTP library: its own CPU stays small next to the
server's), an open-loop schedule (request i is due at start + i / rate whatever happened before, so
queueing counts in its latency), a closed loop (each connection sends the next request as soon as the
previous one is answered: the maximum throughput), the uvicorn server start, and CPU/memory probes.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GIVE_UP = 10.0  # seconds a request may wait for a free connection before the client counts it failed
#: (scheduled or sent, done, status) of one request; status 0: no answer (connection failed, or shed)
Record = tuple[float, float, int]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Conn:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol for the benchmarks."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Conn:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle: one write per request
        return cls(reader, writer)

    async def post(self, request: bytes) -> int:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status


def requests_for(token: str, bodies: list[bytes]) -> list[bytes]:
    """Complete ``POST /api/transfers/decide`` requests for ``bodies``."""
    head = (
        "POST /api/transfers/decide HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nContent-Length: {n}\r\n\r\n"
    )
    return [head.format(token=token, n=len(b)).encode() + b for b in bodies]


async def open_loop(
    port: int, token: str, bodies: list[bytes], rate: float, connections: int
) -> list[Record]:
    """Open-loop load: request i is *scheduled* at start + i / rate whatever happened before; a free
    keep-alive connection sends it (or it queues, and the queueing counts in its latency). A request
    that waited more than ``GIVE_UP`` s for a connection is shed (status 0)."""
    requests = requests_for(token, bodies)
    records: list[Record] = []
    queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
    pool = [await Conn.open(port) for _ in range(connections)]

    async def worker(conn: Conn) -> None:
        while (item := await queue.get()) is not None:
            scheduled, request = item
            if time.perf_counter() - scheduled > GIVE_UP:  # waited too long for a connection: shed
                records.append((scheduled, time.perf_counter(), 0))
                continue
            try:
                status = await conn.post(request)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                status = 0
                conn = await Conn.open(port)
            records.append((scheduled, time.perf_counter(), status))

    tasks = [asyncio.create_task(worker(c)) for c in pool]
    start = time.perf_counter() + 0.2
    for i, request in enumerate(requests):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((scheduled, request))
    for _ in pool:
        queue.put_nowait(None)
    await asyncio.gather(*tasks)
    for c in pool:
        c.writer.close()
    return records


async def closed_loop(
    port: int, token: str, bodies: list[bytes], connections: int, seconds: float
) -> list[Record]:
    """Closed loop: every connection sends the next request as soon as its previous one is answered,
    for ``seconds`` (or until the bodies run out): the most the server can serve with that many
    requests in flight. Latency is from send to answer."""
    requests = iter(requests_for(token, bodies))
    records: list[Record] = []
    pool = [await Conn.open(port) for _ in range(connections)]
    end = time.perf_counter() + seconds

    async def worker(conn: Conn) -> None:
        for request in requests:
            if time.perf_counter() >= end:
                return
            sent = time.perf_counter()
            try:
                status = await conn.post(request)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                status = 0
                conn = await Conn.open(port)
            records.append((sent, time.perf_counter(), status))

    await asyncio.gather(*(worker(c) for c in pool))
    for c in pool:
        c.writer.close()
    return records


def run_client(args: tuple[Any, ...]) -> tuple[list[Record], float, float]:
    """The load generator, run in its own process (its CPU is not the servers'): ``args`` are
    ``("open", port, token, bodies, rate, connections)`` or ``("closed", port, token, bodies,
    connections, seconds)``. Returns the records, the wall time and the client's CPU seconds."""
    started, cpu = time.perf_counter(), time.process_time()
    mode, *rest = args
    coroutine = open_loop(*rest) if mode == "open" else closed_loop(*rest)
    records = asyncio.run(coroutine)
    return records, time.perf_counter() - started, time.process_time() - cpu


def start_server(
    url: str, workers: int, *, shared: bool = True, fast_path: bool = True
) -> tuple[subprocess.Popen[bytes], int]:
    """uvicorn with ``workers`` processes serving ``bench/transfers.py``'s ``make_app`` on a free
    loopback port (state shared in PostgreSQL when ``shared``), once it answers ``/healthz``.
    Returns the uvicorn master process and the port."""
    import httpx

    port = free_port()
    env = {**os.environ, "QIANDAI_DATABASE_URL": url, "PYTHONPATH": str(ROOT / "bench")}
    if shared:
        env["QIANDAI_TRANSFER_STATE"] = "postgres"
    if not fast_path:  # the FastAPI route instead of the lean ASGI path (ADR 0026), to compare
        env["QIANDAI_BENCH_NO_FAST_PATH"] = "1"
    cmd = [sys.executable, "-m", "uvicorn", "transfers:make_app", "--factory", "--port", str(port),
           "--workers", str(workers), "--log-level", "warning", "--no-access-log"]  # fmt: skip
    server = subprocess.Popen(cmd, env=env, cwd=ROOT / "bench")
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    return server, port


def login_and_warm(base: str, warm: list[bytes]) -> str:
    """Log the benchmark user in and send ``warm`` decisions (a first pass over each worker's caches);
    returns the bearer token."""
    import httpx

    token: str = httpx.post(
        f"{base}/api/auth/login", json={"username": "bench", "password": "bench-password-1"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with httpx.Client(base_url=base, headers=headers) as client:
        for body in warm:
            client.post("/api/transfers/decide", content=body)
    return token


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of ``pids`` and all their living descendants."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for proc in [root, *root.children(recursive=True)]:
                t = proc.cpu_times()
                total += t.user + t.system
        except psutil.NoSuchProcess:
            continue
    return total


def worker_pids(master: int) -> list[int]:
    """The uvicorn master's worker processes (its spawned children, not multiprocessing helpers)."""
    import psutil

    out = []
    for child in psutil.Process(master).children():
        try:
            if "spawn_main" in " ".join(child.cmdline()):
                out.append(child.pid)
        except psutil.NoSuchProcess:
            continue
    return sorted(out)


def postgres_backends(postmaster: int, database: str) -> list[int]:
    """Pids of the PostgreSQL backends connected to ``database`` (their title names it)."""
    import psutil

    out = []
    for child in psutil.Process(postmaster).children():
        try:
            if f" {database} " in " ".join(child.cmdline()) + " ":
                out.append(child.pid)
        except psutil.NoSuchProcess:
            continue
    return out
