import pytest

from lgadmin import create_app
from lgadmin.config import settings_from_environment


def test_malformed_database_url_is_one_line_naming_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "not a url")
    with pytest.raises(SystemExit) as stopped:
        settings_from_environment(str(tmp_path))
    assert str(stopped.value) == "lgadmin: DATABASE_URL is not a database URL: 'not a url'"


def test_unreachable_database_stops_start_up_naming_the_variable():
    with pytest.raises(SystemExit) as stopped:
        create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    message = str(stopped.value)
    assert message.startswith("lgadmin: DATABASE_URL: cannot reach the database")
    assert "\n" not in message


def test_unreachable_redis_stops_start_up_naming_the_variable(app):
    with pytest.raises(SystemExit) as stopped:
        create_app(
            {
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "REDIS_URL": "redis://127.0.0.1:1/0",
            }
        )
    assert str(stopped.value).startswith("lgadmin: REDIS_URL: cannot reach Redis")


def test_secret_key_is_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = settings_from_environment(str(tmp_path))["SECRET_KEY"]
    second = settings_from_environment(str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").read_text() == first


def test_production_requires_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("LGADMIN_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(SystemExit) as stopped:
        settings_from_environment(str(tmp_path))
    assert "SECRET_KEY must be set" in str(stopped.value)


def test_embedded_defaults(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "REDIS_URL", "MAIL_SERVER", "STRIPE_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings = settings_from_environment(str(tmp_path))
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'lgadmin.db'}"
    assert settings["REDIS_URL"] is None
    assert settings["LGADMIN_OUTBOX"] == str(tmp_path / "outbox")
    assert settings["STRIPE_SECRET_KEY"] is None


def test_mail_server_turns_the_outbox_off_and_postgres_scheme_is_accepted(monkeypatch, tmp_path):
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("MAIL_PORT", "587")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example.org/lg")
    settings = settings_from_environment(str(tmp_path))
    assert settings["LGADMIN_OUTBOX"] is None
    assert settings["MAIL_PORT"] == 587
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example.org/lg"


def test_a_number_setting_that_is_not_a_number_names_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("MAIL_PORT", "twenty-five")
    with pytest.raises(SystemExit) as stopped:
        settings_from_environment(str(tmp_path))
    assert "MAIL_PORT must be a whole number" in str(stopped.value)
