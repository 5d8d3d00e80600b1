"""Exports of personal data: who may download them, the audit entry each one writes, and
spreadsheet injection neutralised whatever separator a spreadsheet splits on."""

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lgadmin.act_as.models import ActAsSession
from lgadmin.audit.models import AuditEntry
from lgadmin.extensions import db
from lgadmin.onboarding.values import clean_text
from lgadmin.segments.models import Segment
from lgadmin.spreadsheet import is_neutral, neutralise, restore
from lgadmin.staff.roles import StaffRole
from lgadmin.timeutil import utcnow
from tests.conftest import csrf_token_from, sign_in
from tests.factories import AccountFactory, SuperuserFactory

GRID_EXPORTS = ("/admin/customers/export/csv", "/admin/customers/export/xlsx")
# A formula trigger after each separator a spreadsheet may split a cell on.
SPLIT_PAYLOADS = (
    'Ann;=HYPERLINK("http://evil.example")',
    "Bea,+1+2",
    "Cy\t-3+4",
    "Di\n@SUM(1)",
    "Ed; =1",
    "=Fay",
)


def _exports(action: str | None = None) -> list[AuditEntry]:
    db.session.expire_all()
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return [e for e in db.session.scalars(query) if "rows" in (e.details or {})]


def _cells_of_csv(response) -> list[list[str]]:
    text = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _cells_of_xlsx(response) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


# -- who may export ------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(StaffRole))
def test_no_staff_role_exports_the_grid_or_a_segment(signed_in, market, role):
    AccountFactory(market=market, email="someone@example.org")
    segment = Segment(market_id=market.id, name="Everyone", criteria={})
    db.session.add(segment)
    db.session.commit()
    staff = signed_in(AccountFactory(market=market, staff_role=role))
    for path in (*GRID_EXPORTS, f"/admin/customers/export/csv?segment={segment.id}"):
        response = staff.get(path)
        assert response.status_code == 403, path
        assert "someone@example.org" not in response.get_data(as_text=True)
    assert "Export CSV" not in staff.get("/admin/customers/").get_data(as_text=True)
    assert _exports() == []


# -- one audit entry per export: who, what, how many rows -----------------------------------


def test_each_grid_export_writes_one_entry_with_who_what_and_the_rows(
    manager_client, manager, market
):
    for n in range(3):
        AccountFactory(market=market, last_name=f"Smith{n}", email=f"smith{n}@example.org")
    AccountFactory(market=market, last_name="Jones")
    AccountFactory(email="smith@elsewhere.org")  # another market's Smith
    for path in GRID_EXPORTS:
        assert manager_client.get(path + "?search=smith").status_code == 200
    csv_entry, xlsx_entry = _exports("lgadmin_customers.export")
    for entry, fmt in ((csv_entry, "csv"), (xlsx_entry, "xlsx")):
        assert (entry.actor_id, entry.market_id) == (manager.id, market.id)
        assert entry.details["rows"] == 3 and entry.details["format"] == fmt
        assert entry.details["grid"]["search"] == "smith"
        assert entry.summary == "Exported the customer grid: 3 rows"


def test_a_segment_export_names_the_segment(manager_client, market):
    AccountFactory(market=market)
    segment = Segment(market_id=market.id, name="Regulars", criteria={})
    db.session.add(segment)
    db.session.commit()
    assert (
        manager_client.get(f"/admin/customers/export/csv?segment={segment.id}").status_code == 200
    )
    (entry,) = _exports("lgadmin_customers.export")
    assert entry.summary == "Exported segment “Regulars”: 2 rows"  # the customer and Mia


def test_the_users_export_selected_and_data_zip_each_write_one_entry(
    manager_client, manager, market
):
    one, two = AccountFactory(market=market), AccountFactory(market=market)
    assert manager_client.get("/admin/customers/export.csv").status_code == 200
    (users,) = _exports("lgadmin_customers.export")
    assert users.summary == "Exported the users export: 3 rows" and users.actor_id == manager.id

    token = csrf_token_from(manager_client.get("/admin/customers/").get_data(as_text=True))
    selected = manager_client.post(
        "/admin/customers/action/",
        data={"csrf_token": token, "action": "export_selected", "rowid": [one.id, two.id]},
    )
    assert selected.status_code == 200 and selected.mimetype == "text/csv"
    (entry,) = _exports("customer.bulk_export_selected")
    assert entry.summary == "Exported the selected customers: 2 rows"
    assert entry.details["ids"] == [one.id, two.id] and entry.actor_id == manager.id

    assert manager_client.get(f"/admin/customers/{one.id}/data.zip").status_code == 200
    (data,) = _exports("customer.data_exported")
    assert data.target_id == one.id and data.actor_id == manager.id
    assert data.summary.startswith(f"Exported the data of customer #{one.id}: ")
    assert data.details["rows"] >= 1
    assert len(_exports()) == 3  # one each, nothing more


def test_the_whole_act_as_log_export_is_in_the_audit_log(app, market, manager):
    shopper = AccountFactory(market=market)
    db.session.add(
        ActAsSession(
            market_id=market.id,
            manager_id=manager.id,
            shopper_id=shopper.id,
            expires_at=utcnow(),
            ended_at=utcnow(),
            ip_address="=cmd|' /C calc'!A0",
        )
    )
    db.session.commit()
    superuser = SuperuserFactory()
    platform = app.test_client()
    assert sign_in(platform, superuser).status_code == 302
    response = platform.get("/admin/act-as-log/export.csv")
    assert response.status_code == 200
    assert all(is_neutral(cell) for row in _cells_of_csv(response) for cell in row)
    (entry,) = _exports("lgadmin_act_as_log.export")
    assert (entry.actor_id, entry.market_id, entry.details["rows"]) == (superuser.id, None, 1)


# -- spreadsheet injection, whatever the separator ------------------------------------------


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+2", "'=1+2"),
        ("a;=1", "a;'=1"),
        ("a,+1", "a,'+1"),
        ("a\t-1", "a\t'-1"),
        ("a\n@A1", "a\n'@A1"),
        ("a\r=1", "a\r'=1"),
        ("a; =1", "a; '=1"),
        ("=a;=b", "'=a;'=b"),
        ("Mary-Jane Smith", "Mary-Jane Smith"),
        ("a@example.org", "a@example.org"),
    ],
)
def test_a_trigger_after_any_separator_is_neutralised_and_restored(text, safe):
    assert neutralise(text) == safe
    assert is_neutral(safe)
    assert restore(safe) == text


def test_csv_and_excel_exports_agree_and_neither_has_a_formula_after_a_separator(
    manager_client, market
):
    for n, payload in enumerate(SPLIT_PAYLOADS):
        AccountFactory(market=market, first_name=payload, email=f"p{n}@example.org")
    csv_cells = _cells_of_csv(manager_client.get("/admin/customers/export/csv?sort=2"))
    xlsx_cells = _cells_of_xlsx(manager_client.get("/admin/customers/export/xlsx?sort=2"))
    csv_names = {row[2]: row[0] for row in csv_cells[1:]}
    xlsx_names = {row[2]: row[0] for row in xlsx_cells[1:]}
    for n, payload in enumerate(SPLIT_PAYLOADS):
        email = f"p{n}@example.org"
        assert csv_names[email] == xlsx_names[email] == neutralise(payload), payload
    for cells in (csv_cells, xlsx_cells):
        assert all(is_neutral(str(cell)) for row in cells for cell in row)


def test_the_users_export_neutralises_every_separator_and_imports_back_as_it_was(
    manager_client, market
):
    for n, payload in enumerate(SPLIT_PAYLOADS):
        AccountFactory(market=market, last_name=payload, email=f"p{n}@example.org")
    cells = _cells_of_csv(manager_client.get("/admin/customers/export.csv"))
    assert all(is_neutral(cell) for row in cells for cell in row)
    by_email = {row[2]: row[1] for row in cells[1:]}
    for n, payload in enumerate(SPLIT_PAYLOADS):
        # What the import reads back: the apostrophes come off before spaces are collapsed.
        assert clean_text(by_email[f"p{n}@example.org"]) == clean_text(payload)
