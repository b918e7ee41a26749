"""Docstring-only: the import readers (issues 18 and 19) live in modules of their own."""
