"""The minimiser's labelled red-team corpus and the generator that writes it."""
