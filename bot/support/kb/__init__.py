"""The knowledge base: FAQ entries described as data files, loaded and checked."""
