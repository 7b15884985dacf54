"""Persistence kernel: engines, base model, org-scoped repositories, the unit of work."""
