"""Entry point for the `flask` command and WSGI servers (gunicorn app:app)."""
from icv import create_app

app = create_app()
