"""The sections of the parent's Students page, one module each."""
