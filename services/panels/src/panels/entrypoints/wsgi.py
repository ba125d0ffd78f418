"""The WSGI app ``python -m panels serve`` runs under Granian (meemaken_kit.serve)."""

from panels.bootstrap import SERVICE

app = SERVICE.wsgi_app()
