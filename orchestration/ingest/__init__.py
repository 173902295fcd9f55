"""Ingest stage: survey and case-database deliveries from ``raw/`` into the ``raw`` schema."""
