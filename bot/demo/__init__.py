"""Realistic demo data in five languages for the dashboard and the API (``sarafan demo seed``)."""
