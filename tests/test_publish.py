"""The published edition: small counts shown as "<5", a second cell withheld ("[c]") so that a
small one cannot be worked out from a total, and the figures worked out from withheld counts
withheld too. Every table here is made by hand and worked out by hand."""
import copy

from icv.summaries import disproportion
from icv.summaries.model import Column, Section, Summary, Table
from icv.summaries.publish import published, suppress_table

NOTE = ("Counts from 1 to 4 are shown as <5; [c] marks a figure withheld so that a small one "
        "cannot be worked out.")


def partition(a, b, total):
    """A table of three suites with two count columns and a total row."""
    columns = [Column("suite", "Suite", "label"), Column("a", "A"), Column("b", "B")]
    rows = [{"suite": name, "a": x, "b": y} for name, x, y in zip("XYZ", a, b)]
    return Table("t", "T", columns, rows, total={"suite": "All", "a": total[0], "b": total[1]})


def column(table, key):
    return [r[key] for r in table.rows]


def test_one_small_cell_in_a_column_withholds_the_smallest_other():
    """3 of 31 would be 31 - 8 - 20: the 8 (the smallest other) is withheld as well."""
    found = suppress_table(partition([3, 8, 20], [10, 12, 7], [31, 29]), 5, 10)
    assert column(found, "a") == ["<5", "[c]", 20]
    assert column(found, "b") == [10, 12, 7]
    assert found.total == {"suite": "All", "a": 31, "b": 29}
    assert found.notes == [NOTE]


def test_two_small_cells_in_a_column_need_nothing_more():
    """With 3 and 4 both withheld neither can be worked out from the total."""
    found = suppress_table(partition([3, 4, 20], [10, 12, 7], [27, 29]), 5, 10)
    assert column(found, "a") == ["<5", "<5", 20]


def test_ties_withhold_the_last_row():
    """Two rows of 9: the second is withheld."""
    found = suppress_table(partition([2, 9, 9], [10, 12, 7], [20, 29]), 5, 10)
    assert column(found, "a") == ["<5", 9, "[c]"]


def test_zeros_are_shown_and_never_withheld_to_protect():
    """0 tells nothing about a person: it is shown, and the next cell withheld is non-zero."""
    found = suppress_table(partition([3, 0, 20], [0, 0, 0], [23, 0]), 5, 10)
    assert column(found, "a") == ["<5", 0, "[c]"]
    assert column(found, "b") == [0, 0, 0]
    assert found.total["b"] == 0


def test_a_small_total_and_its_small_parts_are_all_shown_as_small():
    """A total of 3 is "<5"; its parts (2, 0, 1) are "<5", 0, "<5": nothing can be worked out."""
    found = suppress_table(partition([2, 0, 1], [10, 12, 7], [3, 29]), 5, 10)
    assert column(found, "a") == ["<5", 0, "<5"]
    assert found.total["a"] == "<5"


def test_a_small_total_withholds_its_non_zero_parts():
    """Even if the parts were not small (figures that do not quite add up), none is shown
    exactly under a small total."""
    found = suppress_table(partition([6, 0, 1], [10, 12, 7], [3, 29]), 5, 10)
    assert column(found, "a") == ["[c]", 0, "<5"]


def test_no_total_no_secondary_suppression():
    """Without a total row a small cell cannot be worked out from the others."""
    table = partition([3, 8, 20], [10, 12, 7], [31, 29])
    table.total = None
    found = suppress_table(table, 5, 10)
    assert column(found, "a") == ["<5", 8, 20]


def split_table(rows, total=None):
    """Detainees by sex in each suite: total = men + women in every row."""
    columns = [Column("suite", "Suite", "label"), Column("all", "All"), Column("men", "Men"),
               Column("women", "Women")]
    return Table("t", "T", columns,
                 [{"suite": s, "all": a, "men": m, "women": w} for s, a, m, w in rows],
                 total=total, row_total="all", row_parts=("men", "women"))


def test_a_small_cell_across_a_row_withholds_another_in_the_row():
    """12 = 9 + 3: with 3 withheld, 9 would give it away, so 9 is withheld."""
    found = suppress_table(split_table([("A", 12, 9, 3), ("B", 20, 10, 10)]), 5, 10)
    assert found.rows[0] == {"suite": "A", "all": 12, "men": "[c]", "women": "<5"}
    assert found.rows[1] == {"suite": "B", "all": 20, "men": 10, "women": 10}


def test_rows_and_columns_are_suppressed_until_stable():
    """A: 12 = 9 + 3, B: 20 = 14 + 6, all: 32 = 23 + 9. The 3 withholds the 9 across (row A)
    and the 6 down (women); the 6 withholds the 14 across (row B); then every row and column
    has two withheld and the totals are shown."""
    found = suppress_table(split_table([("A", 12, 9, 3), ("B", 20, 14, 6)],
                                       total={"suite": "All", "all": 32, "men": 23, "women": 9}),
                           5, 10)
    assert found.rows[0] == {"suite": "A", "all": 12, "men": "[c]", "women": "<5"}
    assert found.rows[1] == {"suite": "B", "all": 20, "men": "[c]", "women": "[c]"}
    assert found.total == {"suite": "All", "all": 32, "men": 23, "women": 9}


def test_a_percent_of_a_withheld_count_is_withheld():
    """A share of 3 would give the 3 away; a share of 0 is shown."""
    columns = [Column("g", "Group", "label"), Column("seen", "Seen"),
               Column("share", "Share (%)", "percent", of="seen")]
    table = Table("t", "T", columns, [{"g": "A", "seen": 3, "share": 20.0},
                                      {"g": "B", "seen": 12, "share": 80.0}])
    found = suppress_table(table, 5, 10)
    assert column(found, "share") == ["[c]", 80.0]


def test_a_percent_of_a_withheld_base_in_its_row_is_withheld():
    """B: 15 seen of 30 in custody. The 30 is withheld (with A's 3, down the column), so 50%
    would give it away: the percent names its base in `needs` and is withheld."""
    columns = [Column("suite", "Suite", "label"), Column("held", "In custody"),
               Column("seen", "Seen"),
               Column("share", "Seen (%)", "percent", of="seen", needs=("held",))]
    table = Table("t", "T", columns, [{"suite": "A", "held": 3, "seen": 0, "share": 0.0},
                                      {"suite": "B", "held": 30, "seen": 15, "share": 50.0}],
                  total={"suite": "All", "held": 33, "seen": 15})
    found = suppress_table(table, 5, 10)
    assert found.rows == [{"suite": "A", "held": "<5", "seen": 0, "share": "[c]"},
                          {"suite": "B", "held": "[c]", "seen": 15, "share": "[c]"}]


def test_percents_of_a_withheld_total_are_withheld():
    """When the column's total is small every share of it is withheld (a share of a shown count
    would give the total away)."""
    columns = [Column("g", "Group", "label"), Column("seen", "Seen"),
               Column("share", "Share (%)", "percent", of="seen")]
    table = Table("t", "T", columns, [{"g": "A", "seen": 3, "share": 100.0},
                                      {"g": "B", "seen": 0, "share": 0.0}],
                  total={"g": "All", "seen": 3, "share": 100.0})
    found = suppress_table(table, 5, 10)
    assert column(found, "seen") == ["<5", 0]
    assert column(found, "share") == ["[c]", "[c]"]
    assert found.total == {"g": "All", "seen": "<5", "share": "[c]"}


def test_a_ratio_of_a_withheld_count_is_withheld_and_none_stays_none():
    """A rate per 100 seen with 3 flagged is withheld; one not worked out stays None."""
    columns = [Column("g", "Group", "label"), Column("seen", "Seen"),
               Column("flagged", "Flagged"),
               Column("rate", "Per 100 seen", "ratio", needs=("seen", "flagged"))]
    table = Table("t", "T", columns, [{"g": "A", "seen": 20, "flagged": 3, "rate": 15.0},
                                      {"g": "B", "seen": 30, "flagged": 6, "rate": 20.0},
                                      {"g": "C", "seen": 12, "flagged": 0, "rate": None}])
    found = suppress_table(table, 5, 10)
    assert column(found, "rate") == ["[c]", 20.0, None]


def test_a_ratio_for_a_group_too_small_is_not_given():
    """A ratio for a group of 8 (under the minimum of 10) is None in the published edition."""
    columns = [Column("g", "Group", "label"), Column("seen", "Seen"),
               Column("flagged", "Flagged"),
               Column("rate", "Per 100 seen", "ratio", needs=("seen", "flagged"))]
    table = Table("t", "T", columns, [{"g": "A", "seen": 8, "flagged": 6, "rate": 75.0},
                                      {"g": "B", "seen": 30, "flagged": 6, "rate": 20.0}])
    found = suppress_table(table, 5, 10)
    assert column(found, "rate") == [None, 20.0]
    assert found.notes == ["Ratios are not worked out for groups of fewer than 10."]


def test_a_change_from_or_to_a_withheld_count_is_withheld():
    """3 now against 10 before: the change (-7) would give the 3 away."""
    columns = [Column("figure", "Figure", "label"), Column("now", "Now"),
               Column("before", "Before"),
               Column("change", "Change", "change", needs=("now", "before"))]
    table = Table("t", "T", columns, [
        {"figure": "Visits", "now": 3, "before": 10, "change": -7},
        {"figure": "Flags", "now": 12, "before": 2, "change": 10},
        {"figure": "Issues", "now": 12, "before": 12, "change": 0},
        {"figure": "Reviews", "now": 0, "before": 0, "change": 0}])
    found = suppress_table(table, 5, 10)
    assert [(r["now"], r["before"], r["change"]) for r in found.rows] == [
        ("<5", 10, "[c]"), (12, "<5", "[c]"), (12, 12, 0), (0, 0, 0)]


def test_numbers_are_left_alone():
    """A median is not a count of people: never withheld."""
    columns = [Column("suite", "Suite", "label"), Column("visits", "Visits"),
               Column("delay", "Median wait", "number", unit="minutes")]
    table = Table("t", "T", columns, [{"suite": "A", "visits": 2, "delay": 7.5}])
    found = suppress_table(table, 5, 10)
    assert found.rows == [{"suite": "A", "visits": "<5", "delay": 7.5}]


def test_a_table_with_nothing_small_is_unchanged_and_has_no_note():
    table = partition([5, 8, 20], [10, 12, 7], [33, 29])
    found = suppress_table(table, 5, 10)
    assert found == table
    assert found.notes == []


def test_the_threshold_is_the_setting():
    """With a threshold of 10, 9 is "<10" and the note says 1 to 9."""
    found = suppress_table(partition([9, 10, 20], [10, 12, 17], [39, 39]), 10, 10)
    assert column(found, "a") == ["<10", "[c]", 20]
    assert found.notes == ["Counts from 1 to 9 are shown as <10; [c] marks a figure withheld so "
                           "that a small one cannot be worked out."]


GROUPS = [("White", 40, 6), ("Black", 20, 10), ("Asian", 3, 2), ("Mixed", 12, 0),
          ("Other", 10, 4)]


def test_a_disproportionality_table_with_a_group_of_three():
    """Asian: 3 seen, 2 strip searched, both "<5", so the next smallest seen (Other, 10) is
    withheld; Other's 4 strip searched is "<5" (with Asian's 2, two in the column). The
    shares, ratios and interval worked out from them are withheld; Asian's ratios were never
    worked out (fewer than 10 seen) and stay so. The highlight on Other's ratio (1.55, over a
    threshold of 1.5) goes; Black's (1.93) stays."""
    table = disproportion.table("strip", "Strip searches", GROUPS, flagged_label="Strip searched",
                                reference="White", min_group=10, threshold=1.5)
    assert table.highlight == {(1, "share_ratio"), (4, "share_ratio")}
    found = suppress_table(table, 5, 10, reference="White")
    assert column(found, "seen") == [40, 20, "<5", 12, "[c]"]
    assert column(found, "flagged") == [6, 10, "<5", 0, "<5"]
    asian, other = found.rows[2], found.rows[4]
    assert (asian["seen_share"], asian["flagged_share"]) == ("[c]", "[c]")
    assert (asian["share_ratio"], asian["rate"], asian["relative_rate"]) == (None, None, None)
    assert asian["interval"] == "Too few seen"
    assert {other[k] for k in ("seen_share", "flagged_share", "share_ratio", "rate",
                               "relative_rate", "interval")} == {"[c]"}
    assert found.rows[1]["share_ratio"] == table.rows[1]["share_ratio"]
    assert found.rows[1]["relative_rate"] == table.rows[1]["relative_rate"]
    assert found.rows[1]["interval"] == "1.41 to 7.86"
    assert found.rows[3]["share_ratio"] == 0.0
    assert found.total == table.total
    assert found.highlight == {(1, "share_ratio")}
    assert found.notes == table.notes + [NOTE]


def test_relative_rates_go_when_the_reference_groups_count_is_withheld():
    """With 3 White detainees strip searched, every 'times the White rate' would give the 3
    away: they and their intervals are withheld; the share ratios are not."""
    groups = [("White", 40, 3), ("Black", 20, 10), ("Mixed", 12, 6)]
    table = disproportion.table("strip", "Strip searches", groups, flagged_label="Strip searched",
                                reference="White", min_group=10)
    found = suppress_table(table, 5, 10, reference="White")
    assert column(found, "relative_rate") == [None, "[c]", "[c]"]
    assert column(found, "interval") == ["", "[c]", "[c]"]
    assert found.rows[1]["share_ratio"] == table.rows[1]["share_ratio"]


def test_published_copies_and_leaves_the_staff_edition_alone():
    """published() suppresses every table of every section in a copy marked "published"."""
    table = partition([3, 8, 20], [10, 12, 7], [31, 29])
    staff = Summary(area=None, period=None, made_at="2026-10-01T00:00:00Z",
                    sections=[Section("visits", "Visits", [table])])
    before = copy.deepcopy(staff)
    found = published(staff, {"suppress_below": 5, "ratio_min_group": 10,
                               "reference_group": "White"})
    assert staff == before
    assert staff.edition == "staff"
    assert found.edition == "published"
    assert column(found.sections[0].tables[0], "a") == ["<5", "[c]", 20]
    assert column(staff.sections[0].tables[0], "a") == [3, 8, 20]
