"""The published edition: small-number suppression of a summary's tables (domain.md 6e). Pure.

Primary suppression: a count from 1 to (threshold - 1) is shown as "<5" (for a threshold of 5).
0 is shown: it tells a reader nothing about a person.

Secondary suppression: a small count must not be worked out by taking the others from a total.
Each column of a table with a total row, and each row of a table with `row_total`, is a sum
("equation"): the total equals its parts. An equation with exactly one withheld cell gives that
cell away, so one more cell is withheld: the smallest non-zero part still shown (ties: the last).
This repeats over columns and rows until no equation has exactly one withheld cell. A small
total withholds its non-zero parts as well. Cells withheld this way are shown as "[c]".

Figures worked out from withheld counts are withheld as "[c]" too: a percent whose count (or
the total of that count) is withheld, a ratio whose counts are, a change from or to a withheld
count; text with `needs` (a column built from counts) likewise. A percent whose base is another
count in its row names that column in `needs`. Ratios are not given (None) for a group smaller
than the minimum. Numbers that are not counts of people (median minutes, hours) are left alone,
even when worked out over fewer than the threshold: a median of a few waits does not say who.

A highlight on a withheld cell is removed, and each table with a withheld cell gets a note.
"""
import copy

SMALL = "<{}"  # a primary-suppressed count: "<5"
WITHHELD = "[c]"  # a cell withheld so that a small count cannot be worked out
TOTAL = "total"  # the total row, in the (row, column key) pairs below

# disproportion.table's relative rate is worked out from the reference group's counts as well as
# the row's own; its interval (text, from the same counts) goes with it.
FROM_REFERENCE = ("relative_rate",)
FOLLOWS = {"interval": "relative_rate"}  # withheld when that cell of the same row is


def published(summary, settings):
    """A copy of the summary for publication, every table suppressed. The summary given (the
    staff edition) is not changed."""
    found = copy.deepcopy(summary)
    found.edition = "published"
    for section in found.sections:
        section.tables = [suppress_table(t, settings["suppress_below"], settings["ratio_min_group"],
                                         reference=settings.get("reference_group"))
                          for t in section.tables]
    return found


def suppress_table(table, threshold, min_group, reference=None):
    """A copy of the table with its small counts withheld, and every figure that would give one
    away. `reference` names the row (by its label) that relative rates are worked out against."""
    table = copy.deepcopy(table)
    small = primary_cells(table, threshold)
    hidden = secondary_cells(table, small)
    for where in small:
        put(table, where, SMALL.format(threshold))
    for where in hidden - small:
        put(table, where, WITHHELD)
    dependants = withhold_dependants(table, small | hidden, reference)
    too_small = drop_small_group_ratios(table, min_group)
    table.highlight = {(i, key) for i, key in table.highlight
                       if i != TOTAL and isinstance(table.rows[i].get(key), int | float)}
    if small or hidden or dependants:
        table.notes.append(suppression_note(threshold))
    if too_small:
        table.notes.append(f"Ratios are not worked out for groups of fewer than {min_group}.")
    return table


def suppression_note(threshold):
    """The footnote of a table with withheld cells."""
    shown = SMALL.format(threshold)
    counts = "A count of 1 is" if threshold == 2 else f"Counts from 1 to {threshold - 1} are"
    return (f"{counts} shown as {shown}; {WITHHELD} marks a figure withheld so that a small one "
            f"cannot be worked out.")


def count_keys(table):
    """The keys of the table's count columns."""
    return [c.key for c in table.columns if c.kind == "count"]


def cell(table, where):
    """The value at (row index or TOTAL, column key)."""
    i, key = where
    row = table.total if i == TOTAL else table.rows[i]
    return row.get(key)


def put(table, where, value):
    i, key = where
    row = table.total if i == TOTAL else table.rows[i]
    row[key] = value


def is_count(value):
    return isinstance(value, int) and not isinstance(value, bool)


def primary_cells(table, threshold):
    """{(row, key)}: the count cells from 1 to threshold - 1, in the rows and the total."""
    places = [(i, key) for i in range(len(table.rows)) for key in count_keys(table)]
    if table.total:
        places += [(TOTAL, key) for key in count_keys(table) if key in table.total]
    return {w for w in places if is_count(cell(table, w)) and 1 <= cell(table, w) < threshold}


def equations(table):
    """[(total cell, [part cells])]: every sum the table shows. A column of a table with a total
    row; a row (the total row too) of a table with row_total."""
    found = []
    if table.total:
        for key in count_keys(table):
            if key in table.total:
                found.append(((TOTAL, key), [(i, key) for i in range(len(table.rows))]))
    if table.row_total:
        rows = list(range(len(table.rows))) + ([TOTAL] if table.total else [])
        for i in rows:
            if i == TOTAL and table.row_total not in table.total:
                continue
            found.append(((i, table.row_total), [(i, key) for key in table.row_parts]))
    return found


def secondary_cells(table, small):
    """The withheld cells, small ones and those withheld so that a small one cannot be worked
    out from a total, until no sum has exactly one withheld."""
    hidden = set(small)
    changed = True
    while changed:
        changed = False
        for whole, parts in equations(table):
            more = cells_to_withhold(table, whole, parts, hidden, small)
            if more:
                hidden |= more
                changed = True
    return hidden


def cells_to_withhold(table, whole, parts, hidden, small):
    """The cells of one sum to withhold next: every non-zero part of a small total, or one
    more cell where exactly one is withheld (the smallest non-zero part shown; ties: the last;
    the total when no part can be)."""
    shown = [p for p in parts if p not in hidden and is_count(cell(table, p)) and cell(table, p)]
    if whole in small and shown:
        return set(shown)
    if sum(1 for w in [whole, *parts] if w in hidden) != 1:
        return set()
    if shown:
        smallest = min(cell(table, p) for p in shown)
        return {[p for p in shown if cell(table, p) == smallest][-1]}
    if whole not in hidden and is_count(cell(table, whole)) and cell(table, whole):
        return {whole}
    return set()


def withhold_dependants(table, hidden, reference):
    """Withhold the percents, ratios, changes (and figures derived from them) worked out from a
    withheld count: in the same row, or from the column's withheld total (percents and ratios).
    Returns how many cells were withheld."""
    withheld = 0
    hidden_totals = {key for i, key in hidden if i == TOTAL}
    reference_hidden = reference_row_hidden(table, hidden, reference)
    rows = [(i, row) for i, row in enumerate(table.rows)]
    if table.total:
        rows.append((TOTAL, table.total))
    for column in table.columns:
        if column.kind in ("label", "count", "number") or column.key in FOLLOWS:
            continue
        needs = set(column.needs) | ({column.of} if column.of else set())
        for i, row in rows:
            if row.get(column.key) is None or row.get(column.key) == WITHHELD:
                continue
            gives_away = any((i, key) in hidden for key in needs)
            if column.kind in ("percent", "ratio") and needs & hidden_totals:
                gives_away = True
            if reference_hidden and column.key in FROM_REFERENCE:
                gives_away = True
            if gives_away:
                row[column.key] = WITHHELD
                withheld += 1
    for key, leader in FOLLOWS.items():
        for i, row in rows:
            if row.get(leader) == WITHHELD and row.get(key) not in (None, "", WITHHELD):
                row[key] = WITHHELD
                withheld += 1
    return withheld


def reference_row_hidden(table, hidden, reference):
    """True when the reference group's row has a withheld count."""
    if not reference or not table.columns or table.columns[0].kind != "label":
        return False
    label = table.columns[0].key
    return any(row.get(label) == reference and any(i == j for j, _ in hidden)
               for i, row in enumerate(table.rows))


def drop_small_group_ratios(table, min_group):
    """Set to None a ratio worked out for a group smaller than `min_group` (the group's size is
    the ratio's first count). Returns how many were dropped."""
    dropped = 0
    for column in table.columns:
        if column.kind != "ratio" or not column.needs:
            continue
        for row in table.rows:
            size = row.get(column.needs[0])
            if isinstance(row.get(column.key), float | int) and is_count(size) and size < min_group:
                row[column.key] = None
                dropped += 1
    return dropped
