"""Which incoming event triggers which command; which domain event goes out as which CloudEvent (to come)."""
