"""NLU benchmark on Banking77 and the short-message language-ID test set (run on demand)."""
