"""Passwords: the platform's rules for a new password, and how one is stored."""

from werkzeug.security import generate_password_hash


def hash_password(password: str) -> str:
    return generate_password_hash(password)


PASSWORD_RULES = "at least 8 characters, with an upper-case letter, a lower-case letter and a digit"


def password_problem(password: str) -> str | None:
    """Why `password` breaks the platform's rules, or None when it is good enough."""
    password = password or ""
    if (
        len(password) < 8
        or not any(c.isupper() for c in password)
        or not any(c.islower() for c in password)
        or not any(c.isdigit() for c in password)
    ):
        return f"Use {PASSWORD_RULES}."
    if len(password) > 200:
        return "Use at most 200 characters."
    return None
