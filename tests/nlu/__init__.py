"""Tests of the NLU training data and its evaluation (clinicbot.evaluate)."""
