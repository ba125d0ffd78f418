"""Which incoming event makes which message (the notifications service publishes nothing yet)."""
