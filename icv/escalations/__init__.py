"""Escalations: findings the rules flagged, and the custody team's work on them.

  sync.py      raising them: due dates, repeat counts, sync (called by visits and reviews)
  queries.py   reading: the queue's filters and counts, one escalation, a visitor's findings
  workflow.py  working them: claim, assign, statuses, police response, outcome, notes, bulk
  forms.py     the queue's filters and the forms of the escalation page
  views.py     the queue and bulk actions (routes)      -> templates/escalations/queue.html
  detail.py    one escalation's page and its forms      -> templates/escalations/detail.html
  demo.py      the demo's worked escalations (icv/demo.py calls it)
"""
from flask import Blueprint

bp = Blueprint("escalations", __name__, url_prefix="/escalations")

from .sync import (CLOSED_BY_CORRECTION, DUE_WORKING_DAYS, bump, configured,  # noqa: E402,F401
                   due_days_from, due_on, event, repeat_counts, sync)
from .queries import for_visit, outcomes_by_visit  # noqa: E402,F401
from . import views, detail  # noqa: E402,F401  (register the routes on bp)
