"""Escalations: findings the rules flagged, and the custody team's work on them.

  sync.py      raising them: due dates, repeat counts, sync (called by visits and reviews)
  monthly.py   raising the monthly rules' (AG1, AG2; icv/summaries/monthly.py finds them) and the
               months checked (monthly_rule_runs)
  queries.py   reading: the queue's filters and counts, one escalation, a visitor's findings,
               a review's findings, how often each rule fired
  workflow.py  working them: claim, assign, statuses, police response, outcome, notes, bulk
  forms.py     the queue's filters and the forms of the escalation page
  views.py     the blueprint, the queue and bulk actions -> templates/escalations/queue.html
  detail.py    one escalation's page and its forms (routes on views.bp)
               -> templates/escalations/detail.html
  demo.py      the demo's worked escalations (icv/demo.py calls it)
"""
