"""gunicorn's entry: ``gunicorn -c gunicorn.conf.py`` (see wsgi_app there)."""

from panels.bootstrap import SERVICE

app = SERVICE.wsgi_app()
