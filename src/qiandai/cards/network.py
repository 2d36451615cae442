"""Networks of linked suspicious accounts: connected components and Louvain communities.

Only the *reduced* graph is built in Python: its nodes are the accounts already suspicious after the
account features (score ≥ 中, or most of their money from such accounts), which is a small fraction of
all accounts; its edges (money between two such accounts, or a device/IP/phone they share) are
aggregated in DuckDB first. Shared identifiers are linked as a star to the group's first account, so a
shared NAT address of many accounts adds n−1 edges, not n².
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import networkx as nx
import pandas as pd

if TYPE_CHECKING:
    import duckdb

    from qiandai.cards.screening import ScreeningParams

MAX_LINKS = 200

EDGES_SQL = """
CREATE OR REPLACE TEMP TABLE nodes AS
  SELECT h FROM scored WHERE base_score >= {medium_score} OR flow_points > 0;
CREATE OR REPLACE TEMP TABLE edges AS
WITH flows AS (
  SELECT p.src AS a, p.dst AS b, 'flow' AS kind, p.amt AS amount, p.n AS n
  FROM pairs p SEMI JOIN nodes x ON x.h = p.src SEMI JOIN nodes y ON y.h = p.dst),
keys AS (SELECT DISTINCT src, dev, ipk, phk FROM txh SEMI JOIN nodes x ON x.h = txh.src),
shared AS (
  SELECT DISTINCT src AS acc, 'device' AS kind, dev AS key FROM keys WHERE dev IS NOT NULL
  UNION SELECT DISTINCT src, 'ip', ipk FROM keys WHERE ipk IS NOT NULL
  UNION SELECT DISTINCT src, 'phone', phk FROM keys WHERE phk IS NOT NULL),
stars AS (SELECT acc, kind, key, min(acc) OVER (PARTITION BY kind, key) AS rep FROM shared)
SELECT a, b, kind, amount, n FROM flows
UNION ALL SELECT acc, rep, kind, 0.0, 1 FROM stars WHERE acc <> rep;
"""

FLOW_SQL = """
SELECT m.network_id,
  sum(p.amt) FILTER (WHERE q.network_id IS DISTINCT FROM m.network_id) AS flow_in,
  sum(p.amt) FILTER (WHERE q.network_id = m.network_id) AS flow_internal
FROM pairs p JOIN net_members m ON m.h = p.dst LEFT JOIN net_members q ON q.h = p.src
GROUP BY 1
"""

OUT_SQL = """
SELECT m.network_id, sum(p.amt) AS flow_out
FROM pairs p JOIN net_members m ON m.h = p.src LEFT JOIN net_members q ON q.h = p.dst
WHERE q.network_id IS DISTINCT FROM m.network_id GROUP BY 1
"""

MEMBER_COLUMNS = ["h", "network_id", "community_id", "network_size", "network_internal"]
NETWORK_COLUMNS = [
    "network_id",
    "size",
    "high",
    "communities",
    "flow_in",
    "flow_internal",
    "flow_out",
    "links",
]


def build_networks(
    con: duckdb.DuckDBPyConnection, params: ScreeningParams
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (members, networks) for the accounts of table ``scored`` (see the module docstring)."""
    con.execute(EDGES_SQL.format(medium_score=params.medium_score))
    # in a fixed order: Louvain's result depends on the order nodes and edges were added, and the
    # engine's row order is not fixed (threads, Spark partitions) — the same data, the same communities
    edges = con.execute("SELECT a, b, kind, amount, n FROM edges ORDER BY kind, a, b").df()
    graph: nx.Graph[int] = nx.Graph()
    for kind, group in edges.groupby("kind"):
        weight = 1.0 if kind == "flow" else 0.5
        graph.add_edges_from(zip(group["a"], group["b"], strict=True), weight=weight)
    components = sorted(
        (sorted(c) for c in nx.connected_components(graph) if len(c) >= 2), key=lambda c: (-len(c), c[0])
    )
    if not components:
        empty = pd.DataFrame(
            {"h": pd.Series(dtype="uint64"), "network_id": pd.Series(dtype="int64"),
             "community_id": pd.Series(dtype="int64"), "network_size": pd.Series(dtype="int64"),
             "network_internal": pd.Series(dtype="float64")}
        )  # fmt: skip
        return empty, pd.DataFrame(columns=NETWORK_COLUMNS)
    rows: list[tuple[int, int, int]] = []
    communities: dict[int, int] = {}
    next_community = 0
    for network_id, members in enumerate(components, start=1):
        sub = graph.subgraph(members)
        found = (
            nx.community.louvain_communities(sub, weight="weight", seed=7) if len(members) > 2 else [members]
        )
        communities[network_id] = len(found)
        for community in sorted(found, key=lambda c: (-len(c), min(c))):
            next_community += 1
            rows.extend((account, network_id, next_community) for account in community)
    members_df = pd.DataFrame(rows, columns=["h", "network_id", "community_id"]).astype({"h": "uint64"})
    con.register("net_members_df", members_df)
    con.execute("CREATE OR REPLACE TEMP TABLE net_members AS SELECT * FROM net_members_df")
    con.unregister("net_members_df")
    flows = con.execute(FLOW_SQL).df().merge(con.execute(OUT_SQL).df(), on="network_id", how="outer")
    stats = members_df.groupby("network_id").agg(size=("h", "size")).reset_index()
    high = con.execute(
        f"""SELECT m.network_id,
              count(*) FILTER (WHERE s.base_score + s.flow_points >= {params.high_score}) AS high
            FROM net_members m JOIN scored s USING (h) GROUP BY 1"""
    ).df()
    networks = stats.merge(high, on="network_id", how="left").merge(flows, on="network_id", how="left")
    networks = networks.fillna({"high": 0, "flow_in": 0.0, "flow_internal": 0.0, "flow_out": 0.0})
    networks["communities"] = networks["network_id"].map(communities)
    names = con.execute("SELECT n.h, n.account FROM names n SEMI JOIN net_members m ON m.h = n.h").df()
    networks["links"] = networks["network_id"].map(_links(edges, members_df, names.set_index("h")["account"]))
    members_df = members_df.merge(
        networks[["network_id", "size", "flow_internal"]].rename(
            columns={"size": "network_size", "flow_internal": "network_internal"}
        ),
        on="network_id",
    )
    return members_df[MEMBER_COLUMNS], networks[NETWORK_COLUMNS].sort_values("network_id").reset_index(
        drop=True
    )


def _links(edges: pd.DataFrame, members: pd.DataFrame, names: pd.Series) -> dict[int, dict[str, Any]]:
    """Per network: its edge count and its first :data:`MAX_LINKS` edges (largest flows first), by account."""
    net = members.set_index("h")["network_id"]
    inside = edges.assign(na=edges["a"].map(net), nb=edges["b"].map(net))
    inside = inside[inside["na"].notna() & (inside["na"] == inside["nb"])]
    inside = inside.sort_values(["na", "amount", "a", "b"], ascending=[True, False, True, True])
    totals = inside.groupby("na").size()
    out: dict[int, dict[str, Any]] = {
        int(cast(Any, k)): {"total": int(v), "edges": []} for k, v in totals.items()
    }
    records: list[dict[str, Any]] = cast(Any, inside.groupby("na").head(MAX_LINKS)).to_dict("records")
    for row in records:
        out[int(row["na"])]["edges"].append(
            {
                "from": names.get(row["a"], ""),
                "to": names.get(row["b"], ""),
                "kind": row["kind"],
                "amount": round(float(row["amount"]), 2),
                "count": int(row["n"]),
            }
        )
    return out
