"""The rules of docs/architecture.md that import-linter can't state.

Services never touch flask.request, g, session or abort: views pass what a service needs
(the base URL, the market, the actor) and turn its exceptions into HTTP answers. And the
"no service imports a view" contract names service modules by name, so a new module must
be either a view or a name that contract lists.
"""

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "lgadmin"
REQUEST_BOUND = {"request", "g", "session", "abort"}

# Views: Flask-Admin views (admin.py), blueprints (views.py) and the customer view's
# parts (admin_*.py, until the customer view is split).
VIEW_NAMES = {"admin.py", "views.py", "address_book.py", "health.py", "outbox.py"}
# Packages of the platform layer (the platform contract covers them whole).
PLATFORM_PACKAGES = {"admin", "staff"}
# Composition packages build the app from every domain; they are no domain's services.
COMPOSITION_PACKAGES = {"demo"}

# Modules that are request-bound by nature, and why; everything else is a service.
REQUEST_BOUND_MODULES = {
    "plugin.py": "composition: registers the user loader, which reads the session",
    "tenancy.py": "the one gate: the current market lives in the session",
    "sessions.py": "session lifetime: reads and ends the signed-in session",
    "identity.py": "who is signed in: a host's act-as seat (SeatInSession) is in the session",
    "security.py": "request hooks (NUL characters, headers)",
    "limits.py": "rate limits count by the client's address",
    "urls.py": "mail_link_root falls back to this request's address in development",
    "jobs.py": "tells the request (g) that its jobs ran inline because the queue was down",
    "staff/roles.py": "the requires() decorator answers a view with 403",
    "admin/base.py": "the base of every admin view",
    "act_as/seat.py": "swaps who is signed in: the seat is the session",
    "shop/pages.py": "the shopper-page decorator: the signed-in shopper of the URL's market",
}


def _relative(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _is_view(path: Path) -> bool:
    return path.name in VIEW_NAMES or path.name.startswith("admin_")


def _service_modules() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if not _is_view(path) and _relative(path) not in REQUEST_BOUND_MODULES
    ]


def _request_bound_names(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module == "flask":
            found |= {alias.name for alias in node.names} & REQUEST_BOUND
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in REQUEST_BOUND
            and isinstance(node.value, ast.Name)
            and node.value.id == "flask"
        ):
            found.add(node.attr)
    return found


@pytest.mark.parametrize("path", _service_modules(), ids=_relative)
def test_services_never_touch_the_request(path):
    assert not _request_bound_names(path), (
        f"{_relative(path)} uses flask's {sorted(_request_bound_names(path))}: let the view "
        "pass what it needs (base URL, market, actor) and raise an exception it answers"
    )


def test_every_request_bound_exception_still_exists_and_needs_it():
    for name in REQUEST_BOUND_MODULES:
        path = PACKAGE / name
        assert path.exists(), f"{name} is gone: remove it from REQUEST_BOUND_MODULES"
    for name in REQUEST_BOUND_MODULES:
        if not _request_bound_names(PACKAGE / name):
            pytest.fail(f"{name} no longer touches the request: remove its exception")


def test_the_no_view_import_contract_names_every_service_module():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["id"] == "services-below-views"]
    names = {source.rpartition(".")[2] for source in contract["source_modules"]}
    domains = {
        path.parent
        for path in PACKAGE.glob("*/__init__.py")
        if path.parent.name not in PLATFORM_PACKAGES | COMPOSITION_PACKAGES
    }
    missing = [
        _relative(path)
        for domain in sorted(domains)
        for path in sorted(domain.glob("*.py"))
        if path.name != "__init__.py" and not _is_view(path) and path.stem not in names
    ]
    assert not missing, f"add these modules' names to services-below-views: {missing}"


def test_every_package_has_its_test_folder():
    """Tests mirror the package: a new package comes with tests/<package>/."""
    tests = ROOT / "tests"
    packages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    missing = sorted(name for name in packages if not (tests / name / "__init__.py").exists())
    assert not missing, f"add a test folder for: {missing}"
