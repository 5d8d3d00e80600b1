"""A non-editable install of the wheel works: templates, static files and migrations ship in it."""

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SMOKE = textwrap.dedent(
    """
    import sys
    from flask_migrate import upgrade
    import lgadmin
    from lgadmin import create_app
    assert lgadmin.__file__.startswith(sys.argv[1]), lgadmin.__file__
    app = create_app()
    with app.app_context():
        upgrade()
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert "Sign in" in client.get("/sign-in").get_data(as_text=True)
    assert client.get("/lgadmin/static/lgadmin.css").status_code == 200
    app.jinja_env.get_template("lgadmin/customers/list.html")
    print("installed wheel ok")
    """
)


@pytest.mark.slow
def test_wheel_installs_and_serves_its_templates(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
    )
    wheel = next((tmp_path / "dist").glob("lgadmin-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "lgadmin/templates/lgadmin/admin/dashboard.html" in names
    assert "lgadmin/static/lgadmin.css" in names
    assert any(n.startswith("lgadmin/migrations/versions/") for n in names)
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(target),
        "LGADMIN_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    result = subprocess.run(
        [sys.executable, "-c", SMOKE, str(target)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "installed wheel ok" in result.stdout
