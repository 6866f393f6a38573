"""Accounts: server-side sessions, sign-in throttling, two-factor sign-in, passwords, invitations and the account pages (issue 10)."""
