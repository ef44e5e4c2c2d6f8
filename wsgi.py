"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""
from adminapp import create_app

app = create_app()
