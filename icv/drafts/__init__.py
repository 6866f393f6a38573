"""Drafts of visit reports and custody record reviews, shared by both kinds.

  store.py   the `drafts` table: save with a revision check, limits from the forms, read, delete
  kinds.py   Kind: what a kind of draft says about itself; what changed when a save is refused
  routes.py  register(): the draft, autosave, check and submit routes of each kind
"""
