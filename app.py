"""Entry point for the `flask` command and WSGI servers (gunicorn app:app)."""
import gc

from icv import create_app

app = create_app()
# What the app holds from here on (templates, forms, the code) lives as long as the process:
# frozen, the garbage collector stops scanning it on every full collection. Under 50 clients
# that took the form's p99 from 2.6x to 2.3x the trivial page's (docs/benchmarks.md, issue 12).
gc.freeze()
