"""meemaken challenges: Right to Challenge.

The catalogue of challengeable tasks, challenges, admissibility gates, scored assessment,
decisions with coded grounds, agreements, reviews and deadlines.
"""
