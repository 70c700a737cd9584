"""Views of the read side, in SQL: one implementation over SQLite and PostgreSQL."""
