"""The README says what the app does: /healthz's answer, the exports' columns, sign-in places."""

import csv
import io
import json
import re
from pathlib import Path

from openpyxl import load_workbook

from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, MarketFactory

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def readme_columns(export: str) -> list[str]:
    row = next(line for line in README.splitlines() if line.startswith(f"| {export} |"))
    return re.findall(r"`([a-z ]+)`", row.split("|")[3])


def test_healthz_answers_what_the_readme_says_on_the_embedded_defaults(client):
    said = re.search(
        r"embedded defaults \(no `REDIS_URL`\) it answers 200 with\s+`(\{.*?\})`", README
    )
    response = client.get("/healthz")
    assert response.status_code == 200
    assert said and json.loads(said.group(1)) == response.get_json()


def test_each_export_has_the_columns_the_readme_lists(signed_in):
    market = MarketFactory()
    manager = AccountFactory(market=market, manager=True)
    client = signed_in(manager)
    grid_csv = client.get("/admin/customers/export/csv").get_data(as_text=True)
    header = next(csv.reader(io.StringIO(grid_csv.lstrip("\ufeff"))))
    assert header == readme_columns("**Export CSV** / **Export Excel**")
    workbook = load_workbook(io.BytesIO(client.get("/admin/customers/export/xlsx").data))
    first_row = next(workbook.active.iter_rows(max_row=1, values_only=True))
    assert list(first_row) == header

    page = client.get("/admin/customers/").get_data(as_text=True)
    selected = client.post(
        "/admin/customers/action/",
        data={
            "csrf_token": csrf_token_from(page),
            "action": "export_selected",
            "rowid": [str(manager.id)],
        },
    )
    assert selected.mimetype == "text/csv"
    selected_header = next(
        csv.reader(io.StringIO(selected.get_data(as_text=True).lstrip("\ufeff")))
    )
    assert selected_header == header

    users = client.get("/admin/customers/export.csv").get_data(as_text=True)
    assert next(csv.reader(io.StringIO(users.lstrip("\ufeff")))) == readme_columns(
        "**users export**"
    )
    template = client.get("/admin/customers/import/template.csv").get_data(as_text=True)
    assert next(csv.reader(io.StringIO(template.lstrip("\ufeff")))) == readme_columns(
        "**blank template**"
    )


def test_the_readme_says_where_a_manager_signs_in_and_both_places_work(client):
    assert "### Where a manager signs in" in README
    section = README.split("### Where a manager signs in")[1].split("\n## ")[0]
    assert "`/m/<market>/sign-in`" in section and "`/sign-in`" in section
    assert "`/admin/`" in section
    market = MarketFactory(slug="athens")
    AccountFactory(market=market, manager=True)
    assert client.get("/m/athens/sign-in").status_code == 200
    assert client.get("/admin/").headers["Location"].startswith("/sign-in")
