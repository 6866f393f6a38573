"""Visit reports: ICVs record visits on phones, save drafts, submit and correct them.
The blueprint and its routes are in views.py."""
