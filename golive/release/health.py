"""Is the target back after a hook? ``/readyz`` 200 and every expected collection ``green``.

health_state(Target(settings), ["documents", "faq"])   # 'healthy', or the first thing that is not
"""

from __future__ import annotations

import httpx

from golive.errors import TargetError
from golive.target import Target


def health_state(target: Target, collections: list[str]) -> str:
    """'healthy', or what is not: the first thing missing."""
    try:
        with target:
            ready = target.get("/readyz")
            if ready.status_code != 200:
                return f"/readyz answered {ready.status_code}"
            for name in collections:
                response = target.get(f"/collections/{name}")
                if response.status_code != 200:
                    return f"collection {name} answered {response.status_code}"
                status = response.json().get("result", {}).get("status")
                if status != "green":
                    return f"collection {name} is {status}"
    except (TargetError, httpx.HTTPError, ValueError) as err:
        return f"unreachable: {err}"
    return "healthy"
