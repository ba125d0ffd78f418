"""meemaken panels: citizen panels.

Invitation lotteries, the respondent pool, fair stratified sortition, transparent and
replayable draws, sessions, recommendations and the municipality's answer.
"""
