"""Figures about escalations: opened, resolved and overdue in a period, how long they took, by
rule, priority and outcome, and the oldest still open."""


def headline(db, area, period):
    return []


def escalation_tables(db, area, period, settings, today):
    return []
