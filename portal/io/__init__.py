"""Spreadsheets in and out: import templates, readers, the two-phase import, and exports.

Everything here works from a ``RegisterSpec`` and the field-type table; the web views and the CLI
are thin callers.
"""
