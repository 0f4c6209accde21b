"""``golive release --dry-run``: the plan, with the resolved commands and timeouts; nothing runs.

print("\n".join(plan(settings, settings.target.url, skip_preflight=None)))
"""

from __future__ import annotations

from golive.release import Hook
from golive.release.audit import AUDIT_FILE
from golive.release.hookrun import shown
from golive.release.steps import PREFLIGHT_MARKS, ReleaseConfig


def plan(config: ReleaseConfig, target_url: str, skip_preflight: str | None) -> list[str]:
    """What ``golive release`` would do, with the resolved commands and timeouts (``--dry-run``)."""
    h = config.hooks

    def hook(x: Hook | None) -> str:
        return f"{shown(x)!r} (timeout {x.timeout:g} s)" if x else "NOT CONFIGURED"

    names = ", ".join(c.name for c in config.collections) or "none listed"
    return [
        f"release plan for env {config.env}, target {target_url}:",
        f"1. lock reports/{config.env}/release.lock (refuse if a live release holds it; take a dead one's over)",
        "2. preflight: "
        + (
            f"SKIPPED ({skip_preflight})"
            if skip_preflight is not None
            else f"the checklist {' '.join(PREFLIGHT_MARKS)}; not GO -> refused"
        ),
        "3. checkpoint: " + (f"snapshot and sha256-verify {names}" if h.checkpoint else "off (hooks.checkpoint)"),
        f"4. deploy hook: {hook(h.deploy)}; env GOLIVE_RUN_ID GOLIVE_ENV GOLIVE_CHECKPOINT_MANIFEST GOLIVE_TARGET_URL",
        f"5. wait until healthy: /readyz and every expected collection green, at most {h.healthy_timeout:g} s",
        "6. validate: the full checklist with the load gates (-m golive)",
        f"7. on failure: rollback hook {hook(h.rollback)}, wait until healthy, post-rollback checklist "
        f"(INCONCLUSIVE rolls back: {'yes' if h.rollback_on_inconclusive else 'no'})",
        f"8. audit: reports/{config.env}/{AUDIT_FILE} (verify with `golive audit verify --env {config.env}`)",
        "dry run: nothing was run",
    ]
