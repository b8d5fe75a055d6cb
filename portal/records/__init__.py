"""A register's rows: the one service that queries, checks and writes them (no Flask request here)."""
