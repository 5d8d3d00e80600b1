"""Extension objects, unbound; the app factory binds them."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Enum, MetaData

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
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
