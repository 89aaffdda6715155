"""The tabs of View ▸ Explain (see :mod:`gui.explain_window`)."""
