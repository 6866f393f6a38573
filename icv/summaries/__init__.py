"""The oversight end: summaries of visits, detainees, flags, custody record reviews and
escalations for London, a panel or a suite over a month, quarter or year, and their exports."""
