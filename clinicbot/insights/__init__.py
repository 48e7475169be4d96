"""Insights and the learning loop: answer feedback, aggregates, the review inbox, ``make learn``."""
