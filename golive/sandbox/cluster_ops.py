"""``POST /cluster/recover`` and ``DELETE /cluster/peer/{peer_id}``: Qdrant's answers on a single node.

Qdrant 1.19 answers both with 405 when it runs without distributed mode (qdrant/qdrant#9431, before
1.19.0: "Cluster specific endpoints are disabled in standalone mode", HTTP 500 before that). The sandbox is
always one node; under its ``cluster`` fault it shows a simulated cluster, whose peers all hold replicas.
"""

from __future__ import annotations

from golive.sandbox.protocol import ApiError, Request, Response, bad_request, ok
from golive.sandbox.state import State

STANDALONE = "Qdrant is running in standalone mode"


def _standalone(s: State) -> None:
    if s.faults.state["cluster"] is None:
        raise ApiError(405, STANDALONE)


async def recover_peer(s: State, r: Request) -> Response:
    """Asks consensus for a snapshot; on the simulated cluster there is nothing to catch up with."""
    _standalone(s)
    return ok(True, started=r.started)


async def remove_peer(s: State, r: Request) -> Response:
    _standalone(s)
    raw = r.params["peer_id"]
    if not (raw.isascii() and raw.isdigit()):
        raise bad_request(f"can not parse `{raw}` as a peer id (an unsigned integer)")
    peer = int(raw)
    fault = s.faults.state["cluster"]
    if 2 <= peer <= fault["peers"] and not r.flag("force", False) and s.store.collections:
        raise bad_request(f"Cannot remove peer {peer} as there are shards on it")
    raise bad_request("the golive sandbox's cluster is simulated (the `cluster` fault): its peers cannot change")
