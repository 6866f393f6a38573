"""Figures from the structured flags of the detainees seen at visits: strip searches (and the
safeguards Annex A asks for), intimate searches, use of force by tactic and by phase, and
children. Each counts flags on the period's detainee entries, reached from the period's visits."""
import json

from ..flags import STRIP_SEARCH, USE_OF_FORCE
from .model import Chart, Column, Table
from .query import percent
from .visit_figures import CHILD_BANDS, ENTRIES, period_visits, share_table


NOT_YES = {"no", "not_recorded"}  # a safeguard answered no, or the record is silent on it

# What the flag tables count: {name: (flag kind, test of (answers, child))}, child being True
# for a child's entry (age band under 18, or the child flag raised on it).
FLAG_FIGURES = {
    "ss_all": ("strip_search", lambda a, child: True),
    "ss_child": ("strip_search", lambda a, child: child),
    "ss_no_aa": ("strip_search", lambda a, child: a.get("aa_present") in NOT_YES
                 or child and a.get("aa_present") == "not_needed"),
    "ss_no_reason": ("strip_search", lambda a, child: no_reason(a)),
    "ss_conduct": ("strip_search", lambda a, child: against_annex_a(a)),
    "ss_outside_rules": ("strip_search", lambda a, child: no_reason(a) or against_annex_a(a)),
    "ss_child_no_referral": ("strip_search", lambda a, child: child and a.get(
        "safeguarding_referral") in ("no", "not_known")),
    "is_all": ("intimate_search", lambda a, child: True),
    "is_no_inspector": ("intimate_search", lambda a, child: a.get("inspector_authorised") in NOT_YES),
    "is_not_hcp": ("intimate_search", lambda a, child: a.get("conducted_by_hcp") in NOT_YES),
    "is_drugs_no_consent": ("intimate_search", lambda a, child: a.get("grounds") == "class_a_drugs"
                            and a.get("written_consent") in NOT_YES),
    "uf_all": ("use_of_force", lambda a, child: True),
    "uf_handcuffs": ("use_of_force", lambda a, child: a.get("handcuffed_in_cell") == "yes"),
    "uf_limb": ("use_of_force", lambda a, child: a.get("limb_restraints") == "yes"),
    "uf_spit_guard": ("use_of_force", lambda a, child: a.get("spit_guard") == "yes"),
    "uf_taser_drawn": ("use_of_force", lambda a, child: a.get("taser") == "drawn"),
    "uf_taser_fired": ("use_of_force", lambda a, child: a.get("taser") == "fired"),
    "ch_cell": ("child", lambda a, child: a.get("held_in") == "cell"),
    "ch_overnight": ("child", lambda a, child: a.get("expected_overnight") == "yes"),
    "ch_sharing": ("child", lambda a, child: a.get("sharing_with_adult") == "yes"),
    "ch_no_aa": ("child", lambda a, child: a.get("aa_status") in ("called_not_arrived", "not_called")),
}


def no_reason(answers):
    """No reason recorded for a strip search (Code C Annex A para 12; rule SS5)."""
    return answers.get("reason_recorded") != "yes"


def against_annex_a(answers):
    """A strip search not done as Annex A para 11 requires (rules SS2, SS3)."""
    return (answers.get("searcher_same_sex") == "no" or answers.get("opposite_sex_present") == "yes"
            or answers.get("orifice_contact") == "yes")


# The answers the flag tables read, per kind: picked in one json_extract (one parse) per flag.
PICKED = {
    "strip_search": ("context", "aa_present", "reason_recorded", "searcher_same_sex",
                     "opposite_sex_present", "orifice_contact", "safeguarding_referral"),
    "intimate_search": ("grounds", "inspector_authorised", "conducted_by_hcp", "written_consent"),
    "use_of_force": ("phase", "handcuffed_in_cell", "limb_restraints", "spit_guard", "taser"),
    "child": ("held_in", "expected_overnight", "sharing_with_adult", "aa_status"),
}


def entry_flag_rows(db, area, period):
    """The period's current entries joined to their flags (an entry with none once, kind None),
    grouped: [{kind, answers (the PICKED ones), child, first, n}]. `first` marks an entry's first
    row, so the entries are the sum of n over first rows. Flags come by the flags autoindex
    (detainee entry id, kind), and the child test looks up the child flag only when the age
    band does not already say so."""
    where, params = period_visits(area, period)
    picked = " ".join(f"WHEN '{kind}' THEN json_extract(f.answers, "
                      f"{', '.join(repr('$.' + name) for name in names)})"
                      for kind, names in PICKED.items())
    rows = []
    for r in db.query(f"""
            SELECT f.kind,
              CASE WHEN d.age_band IN ({CHILD_BANDS}) THEN 1 WHEN f.id IS NULL THEN 0
                ELSE EXISTS (SELECT 1 FROM flags c WHERE c.detainee_entry_id = d.id
                             AND c.kind = 'child') END AS child,
              CASE WHEN f.id IS NULL THEN 1 ELSE f.kind = (SELECT min(g.kind) FROM flags g
                WHERE g.detainee_entry_id = d.id) END AS first,
              CASE f.kind {picked} END AS picked, count(*) AS n
            {ENTRIES} LEFT JOIN flags f ON f.detainee_entry_id = d.id
            WHERE {where} AND d.removed_at IS NULL
            GROUP BY f.kind, child, first, picked""", params):
        answers = dict(zip(PICKED[r["kind"]], json.loads(r["picked"]))) if r["kind"] else {}
        rows.append({**r, "answers": answers})
    return rows


def flag_counts(db, area, period):
    """{figure name: count} of FLAG_FIGURES and "children" (the child entries), and
    {(kind, question, answer): count} of the PICKED answers."""
    found = {name: 0 for name in FLAG_FIGURES}
    found["children"] = 0
    answers_found = {}
    for r in entry_flag_rows(db, area, period):
        found["children"] += r["n"] if r["child"] and r["first"] else 0
        for name, (kind, test) in FLAG_FIGURES.items():
            found[name] += r["n"] if kind == r["kind"] and test(r["answers"], bool(r["child"])) else 0
        for question, code in r["answers"].items():
            key = (r["kind"], question, code)
            answers_found[key] = answers_found.get(key, 0) + r["n"]
    return found, answers_found


def flag_tables(db, area, period, settings, today):
    """Strip searches (and by context), intimate searches, use of force by tactic and by phase,
    and children, from the flags on the period's current detainee entries."""
    n, answers = flag_counts(db, area, period)
    return [strip_search_table(n),
            share_table("strip_searches_by_context", "Strip searches by kind of search",
                        choice_parts(answers, n["ss_all"], STRIP_SEARCH, "context", "not_recorded"),
                        count_label="Strip searches", group_label="Kind of search",
                        description="Strip searches by where and why clothing was removed."),
            figure_table("intimate_searches", "Intimate searches", "Intimate searches", n, [
                ("is_all", "All intimate searches"),
                ("is_no_inspector", "Without an inspector's authority recorded"),
                ("is_not_hcp", "Not done by a doctor or nurse"),
                ("is_drugs_no_consent", "For drugs, without written consent recorded"),
            ], description="Searches of body orifices other than the mouth (PACE s.55). 'Without' "
                           "counts answers of no and of not recorded."),
            figure_table("use_of_force_by_tactic", "Use of force by tactic", "Uses of force", n, [
                ("uf_all", "All uses of force"),
                ("uf_handcuffs", "Handcuffs left on in the cell"),
                ("uf_limb", "Leg or limb restraints"),
                ("uf_spit_guard", "Spit and bite guard"),
                ("uf_taser_drawn", "Taser drawn or aimed, not fired"),
                ("uf_taser_fired", "Taser fired or used to drive-stun"),
            ], description="Detainees force was used on, by the tactics reported. One use of "
                           "force may involve several tactics.", chart=True),
            share_table("use_of_force_by_phase", "Use of force by phase",
                        choice_parts(answers, n["uf_all"], USE_OF_FORCE, "phase", "not_known"),
                        count_label="Uses of force", group_label="When", chart=True,
                        description="Uses of force by when in the detention they happened."),
            figure_table("children", "Children", "Children", n, [
                ("children", "Children seen"),
                ("ch_cell", "Held in a cell"),
                ("ch_overnight", "Expected to stay overnight"),
                ("ch_sharing", "Sharing a cell or room with an adult"),
                ("ch_no_aa", "Without an appropriate adult present"),
            ], description="Detainees seen whose age band is under 18 or who were flagged as a "
                           "child. Where they were held, overnight stays, sharing and the "
                           "appropriate adult are from the child flag.",
               notes=["'Without an appropriate adult present' counts an adult called and not yet "
                      "arrived, or not called; 'not recorded' is not counted."]),
        ]


def choice_parts(answers, whole, flag, question, other):
    """[(answer label, count)] of a flag question that every flag answers; flags without a known
    answer count under `other` (not recorded, not known), so the parts add up to `whole`."""
    choices = next(q for q in flag.questions if q.name == question).choices
    counted = {code: answers.get((flag.kind, question, code), 0) for code, _ in choices}
    counted[other] += whole - sum(counted.values())
    return [(label, counted[code]) for code, label in choices]


def figure_table(key, title, count_label, n, figures, *, description, chart=False, notes=()):
    """Figures that are not parts of a whole: [(name in n, label)], the first being all of them,
    each with its share of the first."""
    whole = n[figures[0][0]]
    rows = [{"figure": label, "count": n[name], "share": percent(n[name], whole)}
            for name, label in figures]
    columns = [Column("figure", "Figure", "label"), Column("count", count_label),
               Column("share", f"Share of all {count_label.lower()} (%)", "percent", of="count")]
    return Table(key, title, columns, rows, description=description, notes=list(notes),
                 chart=Chart(series=("count",), description=description) if chart else None)


def strip_search_table(n):
    return figure_table("strip_searches", "Strip searches", "Strip searches", n, [
        ("ss_all", "All strip searches"),
        ("ss_child", "Of children"),
        ("ss_no_aa", "Without an appropriate adult where one was needed"),
        ("ss_outside_rules", "Without the authority the rules require (see notes)"),
        ("ss_no_reason", "… no reason recorded"),
        ("ss_conduct", "… officer of the other sex, someone of the other sex present, or "
                       "contact with a body orifice"),
        ("ss_child_no_referral", "Of a child, with no safeguarding referral"),
    ], description="Detainees seen who had been strip searched, from the strip search flag.",
       chart=True, notes=[
        "Of children: the age band is under 18 or the child flag was raised.",
        "Without an appropriate adult: recorded as not present or not recorded; for a child, "
        "also recorded as not needed. It counts searches where a valid exception (urgent risk, "
        "or the child declined with the adult's agreement) was recorded.",
        "The reports do not say who authorised a search, so 'without the authority the rules "
        "require' counts what they do say: no reason recorded for the search (Code C Annex A "
        "para 12, rule SS5), or a search not done as Annex A para 11 requires (searching officer "
        "not of the same sex, someone of the other sex present who was not an appropriate adult "
        "the detainee asked for, or contact with a body orifice, which makes it an intimate "
        "search needing an inspector's authority: rules SS2, SS3). A search may be both.",
        "No safeguarding referral: answered no or not known; unanswered is not counted.",
    ])
