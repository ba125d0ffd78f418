"""ORM tables, repositories and outside systems."""
