"""Custody record reviews (CRR, domain.md 3 and 6a): vetted, trained ICVs read redacted custody
records and record what the whole detention shows.

The blueprint lives in views.py and is registered by create_app. This file imports nothing, so
icv/rules.py can import the rule predicates (checks.py) without pulling in Flask views.
"""
