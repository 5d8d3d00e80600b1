"""The host's own models, on the host's own Flask-SQLAlchemy object."""

from datetime import UTC, datetime

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

db = SQLAlchemy()


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    # May use the host's own back office (products, orders).
    is_admin: Mapped[bool] = mapped_column(default=False)
    # The lgadmin account this person is, if any: the identity adapter reads it. No foreign
    # key, so the host's migrations and lgadmin's stay independent.
    lgadmin_account_id: Mapped[int | None] = mapped_column(Integer, index=True)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)


class Product(db.Model):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    price_cents: Mapped[int] = mapped_column(default=0)

    def __str__(self) -> str:
        return self.name


class Order(db.Model):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[int] = mapped_column(default=1)
    placed_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(UTC))

    user: Mapped[User] = relationship()
    product: Mapped[Product] = relationship()
