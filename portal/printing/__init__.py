"""Printable forms: the registers' print templates filled with a reader's view of the records and
drawn to A4 PDF with WeasyPrint (``values`` → ``templates`` → ``render``; ``jobs`` for a selection)."""
