"""Support quality benchmark: the demo bot against the customer-style test set."""
