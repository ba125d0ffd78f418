"""The officials' case-handling UI: one work queue across the services, built from their events."""
