"""Full-text search, per database backend (placeholder until the browse work lands)."""
