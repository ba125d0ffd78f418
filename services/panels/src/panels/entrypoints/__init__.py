"""HTTP API, WSGI entry and worker."""
