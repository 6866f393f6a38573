"""Demo custody record reviews (issue 5), loaded at the end of icv.demo.load.

The demo ICV (icv@example.org, Alex Morgan) and two others are trained in custody record review
with their vetting in date; Tom Okafor is trained but his vetting has expired, so he is refused
and told why. Two review sessions hold records to review: two are submitted and raised
escalations (DT2, RT2, CH5, CH8), the rest wait for Alex. Record references are invented.
"""
from datetime import time, timedelta

from ..times import london_to_utc, london_today, to_iso
from . import store
from .. import rulebook

TRAINED = {"icv@example.org": 300, "priya.shah@example.org": 500, "grace.adeyemi@example.org": 200}
EXPIRED = {"tom.okafor@example.org": -20}
GOOD_CARE = {"written_notice": "compliant", "observations": "compliant", "rousing": "n_a",
             "meals": "compliant", "rest": "compliant", "medication": "n_a",
             "pre_release_risk": "compliant", "safeguarding": "n_a"}
GOOD_QUALITY = {"timed_signed": "yes", "rationale": "yes", "legible": "yes"}


def _user(db, email):
    return db.execute("SELECT id FROM users WHERE email = ?", [email]).fetchone()[0]


def _suite(db, name):
    return db.execute("SELECT id FROM suites WHERE name = ?", [name]).fetchone()[0]


def _times(day, steps):
    """{event: UTC text} from (event, day offset, "HH:MM") on London clocks."""
    return {name: to_iso(london_to_utc(day + timedelta(days=offset), time.fromisoformat(clock)))
            for name, offset, clock in steps}


def load(db, rng=None, today=None):
    """Reviewers, two sessions with records, and two submitted reviews; returns the review ids."""
    today = today or london_today()
    for email, days in {**TRAINED, **EXPIRED}.items():
        db.execute("UPDATE users SET crr_trained = 1, vetting_expires_on = ? WHERE email = ?",
                   [(today + timedelta(days=days)).isoformat(), email])
    alex, priya, grace = (_user(db, e) for e in TRAINED)
    coordinator = _user(db, "coordinator@example.org")

    session = today - timedelta(days=14)
    brixton = store.create_batch(db, _suite(db, "Brixton"), session, coordinator,
                                 "Children and mental health sample")
    child = store.add_record(db, brixton, "01CX/40211/26", "child", [alex, priya], coordinator)
    adult = store.add_record(db, brixton, "01CX/40377/26", "mental_health", [priya], coordinator)
    waiting = [store.add_record(db, brixton, "01CX/40412/26", "random", [alex], coordinator)]
    walworth = store.create_batch(db, _suite(db, "Walworth"), today - timedelta(days=2), coordinator,
                                  "Strip search and use of force sample")
    waiting += [store.add_record(db, walworth, "02AB/51020/26", "strip_search", [alex, grace], coordinator),
                store.add_record(db, walworth, "02AB/51187/26", "use_of_force", [alex], coordinator)]

    day = session - timedelta(days=9)
    # A girl held overnight and released under investigation; her appropriate adult came 3 hours
    # after being called (CH5, CH8).
    store.submit(db, child, alex, {
        "age_band": "14-15", "gender": "female", "ethnicity": "black_caribbean", "ic_code": "IC3",
        "markers": ["looked_after_child"], "disposal": "rui",
        "times": _times(day, [("arrived", 0, "19:40"), ("booked_in", 0, "20:05"),
                              ("detention_authorised", 0, "20:15"), ("rights_given", 0, "20:20"),
                              ("risk_assessment", 0, "20:10"), ("aa_called", 0, "20:30"),
                              ("aa_arrived", 0, "23:45"), ("released", 1, "11:30")]),
        "reviews": [{"due": None, "done": to_iso(london_to_utc(day + timedelta(days=1), time(2, 5))),
                     "postponed_reason": "", "representations": "yes"},
                    {"due": None, "done": to_iso(london_to_utc(day + timedelta(days=1), time(11, 0))),
                     "postponed_reason": "", "representations": "yes"}],
        "care_checks": {**GOOD_CARE, "rest": "late_or_partial"}, "record_quality": GOOD_QUALITY,
        "flags": {"child": {"aa_status": "present", "held_in": "juvenile_room",
                            "sharing_with_adult": "no", "expected_overnight": "yes"}},
        "overall_grade": "requires_improvement",
        "comments": "Kept overnight for interview in the morning; the record gives no reason why "
                    "she could not be interviewed the same evening.",
    }, submitted_at=to_iso(london_to_utc(session, time(15, 10))), **rulebook.built_in())
    # A man with a mental health marker: legal advice 3 h 35 min after asking, and the first
    # review 1 h 30 min late with no reason recorded (RT2, DT2).
    store.submit(db, adult, priya, {
        "age_band": "35-44", "gender": "male", "ethnicity": "white_british", "ic_code": None,
        "markers": ["mental_health"], "disposal": "nfa",
        "times": _times(day + timedelta(days=2), [
            ("arrived", 0, "09:10"), ("booked_in", 0, "09:40"), ("detention_authorised", 0, "09:50"),
            ("rights_given", 0, "09:55"), ("risk_assessment", 0, "09:45"),
            ("legal_advice_requested", 0, "09:55"), ("legal_advice_consulted", 0, "13:30"),
            ("hcp_referred", 0, "10:00"), ("hcp_seen", 0, "11:10"), ("released", 0, "18:05")]),
        "reviews": [{"due": None, "done": to_iso(london_to_utc(day + timedelta(days=2), time(17, 20))),
                     "postponed_reason": "", "representations": "not_recorded"}],
        "care_checks": {**GOOD_CARE, "medication": "compliant"}, "record_quality":
            {**GOOD_QUALITY, "rationale": "partly"},
        "flags": {}, "overall_grade": "requires_improvement", "comments": "",
    }, submitted_at=to_iso(london_to_utc(session, time(15, 40))), **rulebook.built_in())
    return [child, adult, *waiting]
