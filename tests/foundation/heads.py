"""lgadmin's newest migration: what an upgrade of its chain must reach."""

from alembic.script import ScriptDirectory

from lgadmin.schema import MIGRATIONS_DIR

LGADMIN_HEAD = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
