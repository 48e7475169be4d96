"""Tests of the safety layer (clinicbot.safety)."""
