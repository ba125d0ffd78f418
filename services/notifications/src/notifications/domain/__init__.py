"""Messages and how they are written: plain Python, no Flask, no SQLAlchemy, no Kafka."""
