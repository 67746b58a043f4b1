"""What a pack must be before it may go live, beyond being a valid pack.

A pack that checks, compiles and proves can still fail open: deleting every
rule file but ``pack.yaml`` leaves a valid pack of zero rules, and a service
that hot-reloads it refers nobody. So a pack with no rules is never accepted,
and a reload that weakens the running pack (an enforced rule gone or turned
to shadow, a typology gone, a threshold raised) is accepted only under a new
version: whoever means to weaken screening says so by changing the version,
and a half-finished copy or a stray deletion does not.
"""

from __future__ import annotations

from screening_service.rules.compile import CompiledPack
from screening_service.rules.model import Mode


def empty_pack_problems(candidate: CompiledPack) -> list[str]:
    """Why ``candidate`` may never serve on its own (start or reload)."""
    if not candidate.rules:
        return ["the pack has no rules; an empty pack would refer nobody and is never loaded"]
    return []


def _enforced(pack: CompiledPack) -> set[str]:
    return {c.rule.id for c in pack.rules if c.rule.mode is Mode.ENFORCE}


def weakening_problems(running: CompiledPack, candidate: CompiledPack) -> list[str]:
    """How ``candidate`` weakens ``running`` under the same version (none if versions differ)."""
    version = running.pack.info.version
    if candidate.pack.info.version != version:
        return []
    problems: list[str] = []
    gone = sorted(_enforced(running) - _enforced(candidate))
    if gone:
        problems.append(
            f"{len(gone)} enforced rule(s) removed or set to shadow without a new version "
            f"(still {version}): {', '.join(gone[:20])}" + (" ..." if len(gone) > 20 else "")
        )
    old, new = running.pack.info, candidate.pack.info
    dropped = sorted(set(old.typologies) - set(new.typologies))
    if dropped:
        problems.append(
            f"typolog(ies) removed without a new version (still {version}): {', '.join(dropped)}"
        )
    for name, before, after in (
        ("interview", old.interview_threshold, new.interview_threshold),
        ("priority_interview", old.priority_threshold, new.priority_threshold),
    ):
        if after > before:
            problems.append(
                f"threshold {name} raised from {before:g} to {after:g} without a new version "
                f"(still {version})"
            )
    return problems


def reload_problems(running: CompiledPack | None, candidate: CompiledPack) -> list[str]:
    """Every reason ``candidate`` may not replace ``running``; empty when it may."""
    problems = empty_pack_problems(candidate)
    if running is not None:
        problems += weakening_problems(running, candidate)
    return problems
