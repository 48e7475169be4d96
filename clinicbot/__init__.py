"""Clinic assistant library: knowledge base, safety layer, escalations, web and channels."""
