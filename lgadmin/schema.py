"""What Alembic compares: PostgreSQL-only indexes are left out on other databases."""

POSTGRESQL_ONLY_SUFFIX = "_trgm"


def include_object_for(dialect_name: str):
    def include_object(obj, name, type_, reflected, compare_to):
        if type_ == "index" and name and name.endswith(POSTGRESQL_ONLY_SUFFIX):
            return dialect_name == "postgresql"
        return True

    return include_object
