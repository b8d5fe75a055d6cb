"""The workers' congress (职代会): delegates, check-in, quorum, secret votes and elections.

Hand-written beside the generated registers: ``rules`` (pure counting rules), ``models`` (tables on
Flask-AppBuilder's metadata), ``service`` (the steps of a session, with the acting user passed in).
"""
