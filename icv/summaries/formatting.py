"""How a cell of a summary table is written on the page and in files: whole numbers with
thousands separators, shares to one decimal place, ratios to two. A cell the published edition
withholds is already text ("<5", "[c]") and is written as it is."""

NONE = "–"  # no figure: nothing to count, or not worked out


def cell_text(value, column):
    """A cell as text."""
    if value is None:
        return NONE
    if isinstance(value, str):
        return value
    kind = column.kind
    if kind == "count":
        return f"{value:,}"
    if kind == "percent":
        return f"{value:.1f}%"
    if kind == "ratio":
        return f"{value:.2f}"
    if kind == "change":
        return f"+{value:,}" if value > 0 else (f"−{-value:,}" if value < 0 else "0")
    if kind == "number":
        text = f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.1f}"
        return f"{text} {column.unit}".strip()
    return str(value)
