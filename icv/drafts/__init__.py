"""Drafts of visit reports and custody record reviews, shared by both kinds.

  store.py   the `drafts` table: save with a revision check, limits from the forms, read, delete
  routes.py  Kind and register(): the draft, autosave, check and submit routes of each kind
"""
