"""How a consumer tells the loop what kind of failure it met."""


class TransientError(Exception):
    """Worth retrying later: a database restart, a lock timeout, a broker hiccup.

    The consumer loop rolls the batch back, waits (bounded exponential backoff) and
    reads the same message again; it never skips it.
    """


class PoisonMessage(Exception):
    """This message can never be handled as it is: it goes to the dead-letter topic."""


class InvalidEvent(PoisonMessage):
    """The envelope or its data does not follow the catalogue."""


class UnknownEventType(InvalidEvent):
    """No schema for this type in the catalogue."""
