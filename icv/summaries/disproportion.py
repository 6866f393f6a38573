"""Disproportionality (domain.md 6e, rule AG1): each group's share of those flagged against its
share of those seen, and its rate against a reference group's, with a 95% interval. Pure.

    share ratio    = (flagged_g / flagged_all) / (seen_g / seen_all)
    relative rate  = (flagged_g / seen_g) / (flagged_ref / seen_ref)
    95% interval   = exp(ln RR +/- 1.96 * sqrt(1/a - 1/n1 + 1/c - 1/n2))  (Katz log method)

A ratio is not worked out for a group with fewer than `min_group` seen (it would mean little),
and "Not stated" is reported but is never the reference group. A share ratio at or over
`threshold` for a group big enough is highlighted: that is what AG1 raises.
"""
import math

from .model import Chart, Column, Table

NOT_STATED = {"Not stated", "not_stated", "unknown", "Not known"}


def share_ratio(seen, flagged, seen_all, flagged_all):
    """The group's share of the flagged over its share of the seen; None if either is 0."""
    if not (seen and seen_all and flagged_all):
        return None
    return (flagged / flagged_all) / (seen / seen_all)


def relative_rate(seen, flagged, ref_seen, ref_flagged):
    """(rate ratio, low, high): the group's rate over the reference's with its 95% interval.
    The ratio is None when a rate is 0 or undefined; the interval is None when a count is 0."""
    if not (seen and ref_seen and ref_flagged):
        return None, None, None
    ratio = (flagged / seen) / (ref_flagged / ref_seen)
    if not flagged:
        return ratio, None, None
    spread = 1.96 * math.sqrt(1 / flagged - 1 / seen + 1 / ref_flagged - 1 / ref_seen)
    return ratio, math.exp(math.log(ratio) - spread), math.exp(math.log(ratio) + spread)


def rows(groups, reference=None, min_group=10):
    """One dict a group, in the order given: {group, seen, seen_share, flagged, flagged_share,
    share_ratio, rate, relative_rate, low, high, too_few}. `groups` is [(name, seen, flagged)]."""
    seen_all = sum(g[1] for g in groups)
    flagged_all = sum(g[2] for g in groups)
    ref = next((g for g in groups if g[0] == reference and g[0] not in NOT_STATED), None)
    ref_ok = ref is not None and ref[1] >= min_group
    found = []
    for name, seen, flagged in groups:
        too_few = seen < min_group
        row = {"group": name, "seen": seen, "flagged": flagged,
               "seen_share": 100 * seen / seen_all if seen_all else None,
               "flagged_share": 100 * flagged / flagged_all if flagged_all else None,
               "rate": 100 * flagged / seen if seen else None,
               "share_ratio": None, "relative_rate": None, "low": None, "high": None,
               "too_few": too_few}
        if not too_few:
            row["share_ratio"] = share_ratio(seen, flagged, seen_all, flagged_all)
            if ref_ok and name != reference:
                row["relative_rate"], row["low"], row["high"] = relative_rate(
                    seen, flagged, ref[1], ref[2])
        found.append(row)
    return found


def over_threshold(found, threshold):
    """The rows whose share ratio reaches the threshold (groups too small have no ratio)."""
    return [r for r in found if r["share_ratio"] is not None and r["share_ratio"] >= threshold]


def table(key, title, groups, *, flagged_label, seen_label="Seen", group_label="Group",
          reference=None, min_group=10, threshold=2.0, description=""):
    """A disproportionality Table: counts, shares, the share ratio (highlighted at or over the
    threshold) and, with a reference group, the relative rate and its 95% interval."""
    found = rows(groups, reference, min_group)
    columns = [
        Column("group", group_label, "label"),
        Column("seen", seen_label),
        Column("seen_share", f"Share of {seen_label.lower()} (%)", "percent", of="seen"),
        Column("flagged", flagged_label),
        Column("flagged_share", f"Share of {flagged_label.lower()} (%)", "percent", of="flagged"),
        Column("share_ratio", "Share ratio", "ratio", needs=("seen", "flagged")),
        Column("rate", f"Per 100 {seen_label.lower()}", "ratio", needs=("seen", "flagged")),
    ]
    if reference:
        columns += [
            Column("relative_rate", f"Times the {reference} rate", "ratio", needs=("seen", "flagged")),
            Column("interval", "95% interval", "text"),
        ]
    table_rows, highlight = [], set()
    for i, r in enumerate(found):
        row = {k: r[k] for k in ("group", "seen", "seen_share", "flagged", "flagged_share",
                                 "share_ratio", "rate", "relative_rate")}
        if r["too_few"]:
            row["rate"] = None  # a rate on so few means little, like the ratios
        row["interval"] = (f"{r['low']:.2f} to {r['high']:.2f}" if r["low"] is not None
                           else "")
        if r["too_few"]:
            row["interval"] = "Too few seen"
        table_rows.append(row)
        if r["share_ratio"] is not None and r["share_ratio"] >= threshold:
            highlight.add((i, "share_ratio"))
    notes = [f"Ratios are worked out only for groups with {min_group} or more seen. A share "
             f"ratio of {threshold:g} or more is marked: the group's share of those flagged is "
             f"at least {threshold:g} times its share of those seen (rule AG1)."]
    if reference:
        notes.append(f"'Times the {reference} rate' compares each group's rate with the "
                     f"{reference} group's. An interval that includes 1 means the difference "
                     f"could be chance.")
    total = {"group": "All", "seen": sum(g[1] for g in groups), "flagged": sum(g[2] for g in groups),
             "seen_share": 100.0 if groups and sum(g[1] for g in groups) else None,
             "flagged_share": 100.0 if groups and sum(g[2] for g in groups) else None}
    chart = Chart(series=("seen_share", "flagged_share"), max_value=100,
                  description=f"{title}: each group's share of the {seen_label.lower()} beside its "
                              f"share of the {flagged_label.lower()}, in per cent.")
    return Table(key, title, columns, table_rows, description=description, total=total,
                 highlight=highlight, notes=notes, chart=chart,
                 highlight_words={"share_ratio": f"{threshold:g} times or more its share"})
