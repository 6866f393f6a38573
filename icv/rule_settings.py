"""The thresholds of the escalation rules, in one place: icv/rules.py (and its settings_from)
and the custody record review arithmetic in icv/reviews/derive.py both read them, and
neither can import the other."""

# Every threshold a rule uses. Change them in instance/config.py, e.g.
# RULE_SETTINGS = {"admission_delay_minutes": 20}; an unknown name stops the app at start.
DEFAULT_SETTINGS = {
    # Modifier: the same rule at the same suite this many times in the window raises a level.
    "repeat_count": 3,
    "repeat_window_days": 90,
    # The strip-search changes proposed in 2024 (domain.md 4.1, 7.3): when in force, SS6 is high.
    "strip_search_2024_proposals_in_force": False,
    # UF3: a spit and bite guard or limb restraints on longer than this many minutes.
    "restraint_minutes_limit": 15,
    # AC1: visitors kept waiting longer than this many minutes to be let into custody.
    "admission_delay_minutes": 30,
    # AC4: a report sent more than this many hours after the visit ended is late.
    "report_due_hours": 24,
    # Custody record reviews (issue 5): the hours PACE allows and the waits the review rules
    # allow (icv/reviews/derive.py works out the times; icv/reviews/checks.py decides).
    "first_review_hours": 6,  # DT2, DT3: PACE s.40, first review after detention authorised
    "later_review_hours": 9,  # ... then each at most this long after the one before
    "review_grace_minutes": 0,  # DT2, DT3: lateness let pass (0: the law as written)
    "pace_limit_hours": 24,  # DT1: s.41, before charge, from arrival at the station
    "superintendent_limit_hours": 36,  # DT1: s.42, with a superintendent's extension
    "max_detention_hours": 96,  # DT1: ss.43-44, with warrants of further detention
    "legal_advice_wait_hours": 2,  # RT2: legal advice asked for, not had within this
    "aa_wait_child_hours": 2,  # CH8: appropriate adult's wait for a child (medium) ...
    "aa_wait_child_high_hours": 4,  # ... high past this
    "aa_wait_vulnerable_hours": 4,  # CH8: for a vulnerable adult (medium)
    "hcp_wait_hours": 2,  # HL2: referred, not seen by a healthcare professional within this
    "child_custody_hours": 24,  # CH5: a child held longer than this
    "overnight_present_at_hour": 0,  # CH5 overnight: in custody at 00:00 London ...
    "overnight_released_after_hour": 6,  # ... and released after 06:00 that morning
    # AG1 (monthly, London): a group's share of the strip searches (or uses of force) seen is at
    # least this many times its share of the detainees seen, in a group with this many seen.
    "ag1_share_ratio": 2.0,
    "ag1_min_group": 10,
    # AG2 (monthly, each suite): the visits a week each open suite should have, and the days
    # without a visit after which a suite is listed as not visited.
    "ag2_visits_per_week": 1,
    "ag2_not_visited_days": 14,
}
