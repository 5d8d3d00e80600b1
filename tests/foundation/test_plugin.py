"""LGAdmin().init_app(app) on a host Flask app that uses lgadmin's Flask-SQLAlchemy."""

from flask import Flask

from lgadmin import LGAdmin, db
from tests.conftest import DATABASE_URL, sign_in
from tests.factories import AccountFactory


def test_a_host_app_gets_the_admin_sign_in_and_health(tmp_path):
    host = Flask("host_shop")
    host.config.update(
        SECRET_KEY="host-secret",
        SQLALCHEMY_DATABASE_URI=DATABASE_URL,
        LGADMIN_OUTBOX=str(tmp_path / "outbox"),
    )

    @host.route("/")
    def home():
        return "the host's own home page"

    LGAdmin().init_app(host)
    client = host.test_client()
    assert client.get("/").get_data(as_text=True) == "the host's own home page"
    assert client.get("/lgadmin/healthz").status_code == 200
    assert client.get("/admin/").status_code == 302
    with host.app_context():
        manager = AccountFactory(manager=True, market__name="Host Market")
        assert sign_in(client, manager).status_code == 302
        page = client.get("/admin/customers/").get_data(as_text=True)
        assert manager.email in page
        db.session.remove()
    assert "lgadmin" in host.cli.commands
