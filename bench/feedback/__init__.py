"""Theme grouping benchmark: purity and adjusted Rand index on a labelled multilingual set."""
