"""Extension objects, unbound; the app factory binds them."""

from flask import current_app, has_app_context
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Enum, event
from sqlalchemy.orm import SessionTransaction
from sqlalchemy.schema import (
    ForeignKeyConstraint,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)
from sqlalchemy.sql.elements import conv

# Every table lgadmin owns starts with this, so it never meets a host's table of the same name
# (a host's `product`, `orders`, `account`...).
TABLE_PREFIX = "lgadmin_"

# No metadata-wide naming convention: a host that shares this `db` keeps SQLAlchemy's own naming
# for its tables, so its autogenerate sees no change because of lgadmin. lgadmin's own tables get
# explicit names instead (name_constraints), the ones its migrations create on SQLite and
# PostgreSQL alike; `conv` keeps a host's convention from rewriting them.


class LGAdminSQLAlchemy(SQLAlchemy):
    """lgadmin's models and their metadata, reached through the app's Flask-SQLAlchemy.

    On lgadmin's own app that is this object. On a host app that passes its own
    (`LGAdmin(app, db=host_db)`), `session` and `engines` are the host's: one session, one
    transaction and one pool for the host's models and lgadmin's, while lgadmin's tables
    stay out of the host's metadata (and so out of its autogenerate).
    """

    def _bound(self) -> SQLAlchemy:
        registered = current_app.extensions.get("sqlalchemy") if has_app_context() else None
        return self if registered is None else registered

    @property
    def session(self):
        bound = self._bound()
        return self._own_session if bound is self else bound.session

    @session.setter
    def session(self, value) -> None:
        self._own_session = value

    @property
    def engines(self):
        bound = self._bound()
        return SQLAlchemy.engines.fget(self) if bound is self else bound.engines


db = LGAdminSQLAlchemy()


def _constraint_name(table: Table, constraint) -> str | None:
    columns = [column.name for column in constraint.columns]
    if isinstance(constraint, PrimaryKeyConstraint):
        return f"pk_{table.name}"
    if isinstance(constraint, UniqueConstraint):
        return f"uq_{table.name}_{'_'.join(columns)}"
    if isinstance(constraint, ForeignKeyConstraint):
        referred = constraint.elements[0].target_fullname.rsplit(".", 1)[0]
        return f"fk_{table.name}_{columns[0]}_{referred}"
    return None  # a check constraint: lgadmin names each of its own


def _is_unnamed(name) -> bool:
    # None, or SQLAlchemy's "no name given" marker (not a str); a given name is a str.
    return not isinstance(name, str)


def name_constraints(table: Table) -> None:
    """Give each constraint and column index of one of lgadmin's tables its explicit name:
    pk_<table>, uq_<table>_<columns>, fk_<table>_<column>_<referred table>, ix_<table>_<column>."""
    for constraint in table.constraints:
        if _is_unnamed(constraint.name):
            name = _constraint_name(table, constraint)
            if name is not None:
                constraint.name = conv(name)
    for index in table.indexes:
        if getattr(index, "_column_flag", False) or _is_unnamed(index.name):
            index.name = conv(f"ix_{table.name}_{'_'.join(c.name for c in index.columns)}")


@event.listens_for(db.Model, "instrument_class", propagate=True)
def _name_lgadmin_constraints(mapper, cls) -> None:
    table = mapper.local_table
    if isinstance(table, Table) and table.name.startswith(TABLE_PREFIX):
        name_constraints(table)


migrate = Migrate()
login_manager = LoginManager()
mail = Mail()
limiter = Limiter(get_remote_address)


def enum_column(enum_cls) -> Enum:
    """A StrEnum stored as its values in a VARCHAR, the same on every database."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=max(20, *(len(member.value) for member in enum_cls)),
        values_callable=lambda members: [member.value for member in members],
    )


def begun_within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    """Whether `transaction` is `ended` or one begun inside it (None: the outermost)."""
    if transaction is None:
        return ended.parent is None
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False
