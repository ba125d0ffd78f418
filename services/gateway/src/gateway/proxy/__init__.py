"""The one public door to the service APIs: ``/api/<service>/<path>`` with the caller's token attached."""
