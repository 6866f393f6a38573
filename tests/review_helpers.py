"""Custody record review factories for the tests (plain functions on a database connection):
an eligible reviewer, a batch with a record assigned, and a complete review form."""
import itertools
from datetime import date, timedelta

from icv.flags import FLAGS
from icv.reviews import questions as q
from icv.reviews import store
from icv.times import london_today, now_iso

_refs = itertools.count(1)


def make_eligible(db, user_id, days=365, trained=True):
    """Mark an ICV trained in custody record review, vetting until `days` from today."""
    db["users"].update(user_id, {"crr_trained": int(trained),
                                 "vetting_expires_on": (london_today() + timedelta(days=days)).isoformat()})


def make_review(db, reviewer_ids, coordinator_id=None, suite_id=None, session_date=None,
                record_ref=None, sample_reason="random"):
    """A batch (its own suite unless given) with one record given to `reviewer_ids`; returns the
    review as store.get_review reads it."""
    if suite_id is None:
        suite_id = db["suites"].insert({"name": f"Review suite {next(_refs)}",
                                        "created_at": now_iso()}).last_pk
    if coordinator_id is None:
        coordinator_id = reviewer_ids[0]
    batch_id = store.create_batch(db, suite_id, session_date or london_today() - timedelta(days=3),
                                  coordinator_id)
    review_id = store.add_record(db, batch_id, record_ref or f"01CX/{70000 + next(_refs)}/26",
                                 sample_reason, reviewer_ids, coordinator_id)
    return store.get_review(db, review_id)


def arrival_day(review):
    """The London date the helpers' detainee arrived: five days before the session."""
    return date.fromisoformat(review["session_date"]) - timedelta(days=5)


def review_fields(review, **overrides):
    """A complete, valid review form as posted (action=check): an adult arrested at 10:00,
    detention authorised 10:30, one review on time at 16:15, released 20:00; every care check
    graded, no flags, a good record. Nothing is raised. A field given as None is left out."""
    data = {
        "client_id": review["client_id"], "age_band": "25-34", "gender": "male",
        "ethnicity": "white_british", "ic_code": "", "disposal": "nfa",
        "times-arrived_date": arrival_day(review).isoformat(), "times-arrived": "10:00",
        "times-booked_in": "10:20", "times-detention_authorised": "10:30",
        "times-rights_given": "10:35", "times-risk_assessment": "10:25", "times-released": "20:00",
        "times-legal_advice_delay_authorised": "no",
        "reviews-0-due": "16:30", "reviews-0-done": "16:15", "reviews-0-postponed_reason": "",
        "reviews-0-representations": "yes",
        **{f"care-{name}": "compliant" for name, _ in q.CARE_CHECKS},
        **{f"flags-{f.kind}": "no" for f in FLAGS},
        **{f"quality-{name}": "yes" for name, _ in q.RECORD_QUALITY},
        "overall_grade": "good", "comments": "", "action": "check",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def draft_url(review, suffix=""):
    return f"/reviews/drafts/{review['client_id']}{suffix}"
