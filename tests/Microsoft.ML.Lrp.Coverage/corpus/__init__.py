"""Model builders of the coverage benchmark's corpus (see ../build-corpus.py)."""
