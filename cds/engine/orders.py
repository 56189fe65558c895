"""Draft joint orders (order-select / order-sign) whose joint fits a spinal-origin pattern."""

from __future__ import annotations

from cds.engine.context import Context, sides_compatible
from cds.engine.model import Finding, JointSite, OrderFinding
from cds.facts import DraftOrder, OrderSite

SPINAL_PATTERNS = frozenset({"radicular", "compensatory", "biomechanical"})


def find_orders(ctx: Context, findings: tuple[Finding, ...]) -> tuple[OrderFinding, ...]:
    out = []
    spinal = [f for f in findings if f.pattern in SPINAL_PATTERNS and not f.local]
    for order in ctx.facts.orders:
        sites = _order_sites(ctx, order)
        for finding in spinal:
            matched = tuple(
                JointSite(fs.joint, fs.side if fs.side != "unknown" else os.side)
                for os in sites
                for fs in finding.sites
                if os.joint == fs.joint and sides_compatible(os.side, fs.side)
            )
            if matched:
                out.append(OrderFinding(order, _dedupe(matched), finding))
                break
    return tuple(out)


def _order_sites(ctx: Context, order: DraftOrder) -> list[OrderSite]:
    sites = list(order.sites)
    refs = set(order.reason_references)
    for f in ctx.facts.facts:
        if f.reference in refs and f.joint and "joint-complaint" in f.roles:
            site = OrderSite(f.joint, f.side)
            if site not in sites:
                sites.append(site)
    return sites


def _dedupe(sites: tuple[JointSite, ...]) -> tuple[JointSite, ...]:
    return tuple(dict.fromkeys(sites))
