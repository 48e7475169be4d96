"""Embeddable website chat widget (static assets and the demo clinic page)."""
