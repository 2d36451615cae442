"""Helpers of the scale-out tests: a real ``qiandai serve --workers N`` over shared PostgreSQL state,
its worker processes, and a raw keep-alive HTTP/1.1 client that knows which worker serves it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy.orm import Session, sessionmaker

from databases import PostgresCluster, _binary
from qiandai.identity import service
from qiandai.store.database import make_engine, session_factory, unit_of_work
from qiandai.transfers import scenario_store

PASSWORD = "correct-horse-1"
#: A hold's issuing details (the account and instruction id vary).
HOLD = {
    "type": "stop_payment",
    "issuing_unit": "杭州市公安局反诈中心",
    "document_ref": "杭公反诈止〔2025〕7号",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare_database(url: str) -> None:
    """A bank system (decides), an anti-fraud officer (issues holds) and the default scenario.

    The scenario is seeded here, before the workers start: each worker's runtime otherwise inserts it
    at start-up, and on a fresh database two workers race (check, then insert, in
    ``scenario_store.ensure_default``): one fails to start and uvicorn stops the whole server
    (reported in docs/transfers.md, not fixed here).
    """
    engine = make_engine(url)
    factory: sessionmaker[Session] = session_factory(engine)
    with unit_of_work(factory) as s:
        scenario_store.ensure_default(s)
        service.create_user(s, username="bank", password=PASSWORD, display_name="银行", roles="bank")
        service.create_user(
            s,
            username="officer",
            password=PASSWORD,
            display_name="反诈民警",
            roles="antifraud",
            region_code="330100",
        )
    engine.dispose()


@dataclass
class Server:
    """A running ``uvicorn --workers N`` of the API (the master is ``proc``)."""

    proc: subprocess.Popen[bytes]
    port: int
    workers: int
    log: Path
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """Pids of the living worker processes (the master's spawned children, not its helpers)."""
        pids = []
        for child in psutil.Process(self.proc.pid).children():
            try:
                if child.status() != psutil.STATUS_ZOMBIE and "spawn_main" in " ".join(child.cmdline()):
                    pids.append(child.pid)
            except psutil.NoSuchProcess:
                continue
        return sorted(pids)

    def login(self, username: str) -> str:
        r = httpx.post(f"{self.base}/api/auth/login", json={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.text
        token = str(r.json()["access_token"])
        self.tokens[username] = token
        return token

    def log_tail(self, n: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else ""


@contextmanager
def serve(url: str, workers: int, folder: Path, **env_over: str) -> Iterator[Server]:
    """The API as ``qiandai serve --workers N`` runs it (uvicorn, ``serve_app`` factory) on a free
    loopback port, shared PostgreSQL state; stopped at exit."""
    port = free_port()
    log = folder / f"serve-{port}.log"
    env = {
        **os.environ,
        "QIANDAI_DATABASE_URL": url,
        "QIANDAI_TRANSFER_STATE": "postgres",
        "QIANDAI_TRANSFER_DB_POOL": "6",  # 3 workers x (6 + 6 async + a few) stay far below 100
        **env_over,
    }
    # what ``qiandai serve --workers N`` runs once it has migrated the database (already migrated here)
    cmd = [sys.executable, "-m", "uvicorn", "qiandai.api.app:serve_app", "--factory", "--port", str(port),
           "--workers", str(workers), "--log-level", "warning", "--no-access-log"]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(proc, port, workers, log)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"the server exited early:\n{server.log_tail()}"
            try:
                up = httpx.get(f"{server.base}/healthz", timeout=1).status_code == 200
                if up and len(server.worker_pids()) == workers:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise AssertionError(f"server not ready in 90 s:\n{server.log_tail()}")
        server.login("bank")
        server.login("officer")
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


class Conn:
    """One keep-alive HTTP/1.1 connection; ``worker`` is the pid of the worker process serving it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, worker: int) -> None:
        self.reader, self.writer, self.worker = reader, writer, worker

    @classmethod
    async def open(cls, server: Server) -> Conn:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = cls(reader, writer, 0)
        # a first request makes the worker accept the connection; then find the worker owning it
        await conn.request("GET", "/healthz")
        conn.worker = owner(server, writer.get_extra_info("sockname")[1])
        return conn

    async def request(
        self, method: str, path: str, body: bytes = b"", token: str = "", timeout: float = 15.0
    ) -> tuple[int, bytes]:
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: test\r\n{auth}Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        return await asyncio.wait_for(self._response(), timeout)

    async def _response(self) -> tuple[int, bytes]:
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        return status, await self.reader.readexactly(length)

    async def post_json(
        self, path: str, data: dict[str, Any], token: str, timeout: float = 15.0
    ) -> tuple[int, Any]:
        """POST ``data``; the answer parsed as JSON (its text if it is not JSON: a bare 500)."""
        status, body = await self.request("POST", path, json.dumps(data).encode(), token, timeout)
        try:
            return status, json.loads(body) if body else None
        except ValueError:
            return status, body.decode(errors="replace")

    def close(self) -> None:
        self.writer.close()


#: What a client sees when the worker serving its connection dies or never answers.
TRANSPORT_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError, AssertionError)


@dataclass
class Sent:
    """One request of a load run and what came of it (``status`` None: no answer at all)."""

    path: str
    key: str  # transfer_id or instruction_id
    body: dict[str, Any]
    worker: int
    sent: float  # time.monotonic()
    done: float
    status: int | None
    answer: Any
    error: str = ""


async def run_load(
    server: Server,
    conns: list[Conn],
    make: Any,
    stop: asyncio.Event,
    pause: float = 0.0,
    timeout: float = 10.0,
) -> list[Sent]:
    """Each connection sends ``make(seq) -> (path, token name, body, key)`` requests one after the other
    (``pause`` s apart) until ``stop`` is set. A broken connection is counted (status None) and
    replaced by a new one (on whichever worker accepts it) — nothing is hidden or retried here."""
    out: list[Sent] = []
    counter = iter(range(10**9))

    async def one(conn: Conn | None) -> None:
        while not stop.is_set():
            if conn is None:
                try:
                    conn = await Conn.open(server)
                except TRANSPORT_ERRORS:
                    await asyncio.sleep(0.05)
                    continue
            path, who, body, key = make(next(counter))
            sent = time.monotonic()
            try:
                status, answer = await conn.post_json(path, body, server.tokens[who], timeout)
                out.append(Sent(path, key, body, conn.worker, sent, time.monotonic(), status, answer))
            except TRANSPORT_ERRORS as exc:
                out.append(Sent(path, key, body, conn.worker, sent, time.monotonic(), None, None, repr(exc)))
                conn.close()
                conn = None
            if pause:
                await asyncio.sleep(pause)
        if conn is not None:
            conn.close()

    await asyncio.gather(*(one(c) for c in conns))
    return out


def owner(server: Server, client_port: int) -> int:
    """The worker pid whose socket is connected to the client's local port ``client_port``."""
    for _ in range(50):
        for pid in server.worker_pids():
            try:
                for c in psutil.Process(pid).net_connections(kind="tcp"):
                    if c.raddr and c.raddr.port == client_port and c.laddr.port == server.port:
                        return pid
            except psutil.NoSuchProcess:
                continue
        time.sleep(0.02)
    raise AssertionError(f"no worker owns the connection from port {client_port}")


async def conns_on_every_worker(server: Server, per_worker: int, within: float = 60.0) -> list[Conn]:
    """Open connections until each worker serves at least ``per_worker`` of them (the kernel hands
    each accepted connection to one of the workers; a worker still starting takes none, so this
    waits for it; extra connections are closed)."""
    kept: dict[int, list[Conn]] = {pid: [] for pid in server.worker_pids()}
    deadline = time.monotonic() + within
    while not all(len(v) >= per_worker for v in kept.values()) and time.monotonic() < deadline:
        conn = await Conn.open(server)
        if len(kept.setdefault(conn.worker, [])) < per_worker:
            kept[conn.worker].append(conn)
        else:
            conn.close()
            await asyncio.sleep(0.05)
    assert all(len(v) >= per_worker for v in kept.values()), {k: len(v) for k, v in kept.items()}
    return [c for v in kept.values() for c in v]


def transfer(tid: str, payer: str, payee: str, at: datetime, **over: Any) -> dict[str, Any]:
    """A JSON-ready transfer request."""
    body: dict[str, Any] = {
        "transfer_id": tid,
        "payer_account": payer,
        "payee_account": payee,
        "amount": "120.00",
        "currency": "CNY",
        "channel": "mobile",
        "occurred_at": at.isoformat(),
        "device_id": "dev-1",
        "ip": "10.0.0.1",
        "payer_region": "330102001001",
        "location_region": "330102",
        "payer_age": 40,
        "payer_balance": "50000.00",
    }
    body.update(over)
    return body


def hold(instruction_id: str, account: str, **over: Any) -> dict[str, Any]:
    """A stop-payment instruction on ``account`` (``over`` replaces fields)."""
    issued = datetime.now(UTC) - timedelta(seconds=1)
    body = {**HOLD, "instruction_id": instruction_id, "account": account, "issued_at": issued.isoformat()}
    return {**body, **over}


@contextmanager
def own_cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster of this test alone (restarting it disturbs no other test)."""
    cluster = PostgresCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def restart_postgres(cluster: PostgresCluster) -> None:
    """``pg_ctl restart -m fast``: every connection is terminated, the server comes back on the same
    port (with its log file: without ``-l`` the postmaster would hold our pipe open)."""
    data = cluster.root / "data"
    log = str(cluster.root / "log")
    cluster._run(str(_binary("pg_ctl")), "-D", str(data), "-m", "fast", "-l", log, "-w", "restart")


#: Velocity features recomputed offline, by (feature, side of the earlier decision, window, filter).
_COUNTED = {
    "payer_out_count_10m": ("payer", "payer", 600.0),
    "payer_out_count_1h": ("payer", "payer", 3600.0),
    "payer_out_count_24h": ("payer", "payer", 86400.0),
    "payee_in_count_1h": ("payee", "payee", 3600.0),
    "payee_in_count_24h": ("payee", "payee", 86400.0),
    "payer_in_count_24h": ("payer", "payee", 86400.0),
    "device_out_count_1h": ("device_id", "device_id", 3600.0),
}
_DISTINCT = {
    "payer_distinct_payees_24h": ("payer", "payer", "payee", 86400.0),
    "payee_distinct_payers_1h": ("payee", "payee", "payer", 3600.0),
    "payee_distinct_payers_24h": ("payee", "payee", "payer", 86400.0),
    "device_distinct_payers_24h": ("device_id", "device_id", "payer", 86400.0),
    "ip_distinct_payers_24h": ("ip", "ip", "payer", 86400.0),
}


def stored_decisions(url: str, prefix: str = "") -> Any:
    """The stored decisions (``transfer_id`` starting with ``prefix``) in insertion order, as a frame."""
    import pandas as pd
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    sql = text(
        "SELECT id, transfer_id, ts, payer_account AS payer, payee_account AS payee, device_id, ip,"
        " amount_cny, decision, features, response FROM tx_decision"
        " WHERE transfer_id LIKE :p ORDER BY id"
    )
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(sql, {"p": prefix + "%"}).mappings().all())
    engine.dispose()
    return frame


def feature_mismatches(rows: Any) -> list[str]:
    """Recompute the velocity counts of every stored decision from the decisions stored *before* it
    (the ``id`` order: a decision inserts its row while it holds the advisory locks of its keys, so
    among decisions that share a key, ``id`` order is commit order) with the windows ``(t - w, t]``,
    and list every feature that differs from the one the decision stored (empty: exact)."""
    import numpy as np
    import pandas as pd

    n = len(rows)
    ts = rows["ts"].to_numpy(float)
    earlier = np.tri(n, k=-1, dtype=bool)  # [d, r]: r was stored before d (rows are in id order)
    age = ts[:, None] - ts[None, :]

    def window(w: float) -> Any:
        return earlier & (age >= 0) & (age < w)

    def same(mine: str, theirs: str) -> Any:
        codes, _ = pd.factorize(pd.concat([rows[mine], rows[theirs]]))  # None -> -1
        a, b = codes[:n], codes[n:]
        return (a[:, None] == b[None, :]) & (b[None, :] >= 0)

    expected: dict[str, Any] = {}
    for name, (mine, theirs, w) in _COUNTED.items():
        expected[name] = (window(w) & same(mine, theirs)).sum(axis=1)
    small = rows["amount_cny"].to_numpy(float) <= 1000.0
    expected["payer_small_count_24h"] = (window(86400.0) & same("payer", "payer") & small[None, :]).sum(1)
    for name, (mine, theirs, counted, w) in _DISTINCT.items():
        mask = window(w) & same(mine, theirs)
        codes, uniques = pd.factorize(rows[counted])
        expected[name] = sum(
            (mask & (codes == v)[None, :]).any(axis=1).astype(int) for v in range(len(uniques))
        )
    bad = []
    for i, features in enumerate(rows["features"]):
        for name, values in expected.items():
            if int(features[name]) != int(values[i]):
                tid = rows["transfer_id"].iloc[i]
                bad.append(f"{tid} {name}: stored {features[name]}, recomputed {int(values[i])}")
    return bad


def stop_postgres(cluster: PostgresCluster) -> None:
    """``pg_ctl stop -m fast``: connections terminated, new ones refused until :func:`start_postgres`."""
    cluster._run(str(_binary("pg_ctl")), "-D", str(cluster.root / "data"), "-m", "fast", "-w", "stop")


def start_postgres(cluster: PostgresCluster) -> None:
    """Start the stopped cluster again, as :class:`PostgresCluster` started it (same port and options)."""
    options = (
        f"-p {cluster.port} -k {cluster.root} -c listen_addresses=127.0.0.1"
        " -c fsync=off -c full_page_writes=off"
    )
    data, log = str(cluster.root / "data"), str(cluster.root / "log")
    cluster._run(str(_binary("pg_ctl")), "-D", data, "-o", options, "-l", log, "-w", "start")


def run_async(coro: Coroutine[Any, Any, Any]) -> Any:
    """``asyncio.run`` on a thread of its own: a browser test earlier in the same worker process leaves
    Playwright's event loop marked as running on the main thread, where ``asyncio.run`` refuses."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
