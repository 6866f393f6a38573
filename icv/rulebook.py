"""The rules page: every escalation rule with its priority, rationale, settings and how often it
fired this London month, so the custody team can see why the queue holds what it holds."""
from datetime import date

from flask import Blueprint, current_app, render_template

from . import rules
from .auth import STAFF, role_required
from .db import get_db
from .escalations import sync
from .escalations.queries import raised_by_rule
from .summaries.monthly import GRACE_DAYS
from .times import london_today, month_bounds

bp = Blueprint("rules", __name__, url_prefix="/rules")

SCOPES = [("detainee", "Detainee entries"), ("visit", "Whole visit reports"),
          ("review", "Custody record reviews"), ("monthly", "Monthly checks of visit reports")]
# The settings in words; an installation changes them by name in RULE_SETTINGS.
SETTING_WORDS = {
    "strip_search_2024_proposals_in_force": "The 2024 strip-search proposals are in force",
    "restraint_minutes_limit": "Longest time for a spit guard or restraints, in minutes",
    "admission_delay_minutes": "Longest wait to be let in, in minutes",
    "report_due_hours": "Report due within, in hours of leaving",
    "ag1_share_ratio": "A group's share of those flagged, as a multiple of its share of those seen",
    "ag1_min_group": "Fewest detainees seen in a group for its share to be compared",
    "ag2_visits_per_week": "Visits each open suite should have a week",
    "ag2_not_visited_days": "Days in a row without a visit that are too many",
}


@bp.route("/")
@role_required(*STAFF)
def index():
    """Every rule, grouped by what it reads, with this month's count of escalations it raised."""
    today = london_today()
    counts = raised_by_rule(get_db(), *month_bounds(today.year, today.month))
    groups = [(label, [r for r in rules.RULES if r.scope == scope]) for scope, label in SCOPES]
    return render_template(
        "rules/index.html", groups=[(label, found) for label, found in groups if found],
        counts=counts, settings=in_force()["settings"],
        setting_words=SETTING_WORDS, variants=rules.REVIEW_VARIANTS, grace_days=GRACE_DAYS,
        month_name=date(today.year, today.month, 1).strftime("%B %Y"),
        not_decided=[(rule_id, why) for rule_id, why in rules.NOT_DECIDED.items()
                     if rule_id not in rules.BY_ID])


def built_in():
    """The built-in rule settings and due working days, as in_force() gives them: for the demo
    data and tests, which run without an installation's settings."""
    return {"settings": rules.DEFAULT_SETTINGS, "due_days": sync.DUE_WORKING_DAYS}


def in_force():
    """The rule settings and due working days this app was started with (checked once, in
    create_app), as keyword arguments for the stores that raise escalations."""
    return {"settings": current_app.config["RULES"],
            "due_days": current_app.config["ESCALATION_DUE_WORKING_DAYS"]}
