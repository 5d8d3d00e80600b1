"""Add Customers → Upload a CSV: reading, the preview, and the import."""

import io
import re
import threading
from html import unescape

import msoffcrypto.format.ooxml
import pytest
from openpyxl import Workbook
from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.audit.models import AuditEntry
from lgadmin.extensions import db
from lgadmin.onboarding.csv_import import (
    CsvRefused,
    carry_out_import,
    check_rows,
    create_preview,
    read_csv,
)
from lgadmin.onboarding.models import ImportPreview, ImportStatus
from tests.conftest import csrf_token_from, sign_in
from tests.factories import AccountFactory, MarketFactory, PickupLocationFactory
from tests.onboarding.helpers import visible_text

LIST = "/admin/customers/"
UPLOAD = "/admin/customers/import/"

GOOD_AND_BAD = (
    "Email,FIRST NAME,last name,Phone,Pickup Location,Notes\r\n"
    "ana@example.org,Ana,López,(706) 543-1234,downtown,likes kale\r\n"
    ",Bo,Chen,,,\r\n"
    "not-an-email,Cy,Diaz,,,\r\n"
    "ANA@example.org,Ana,Again,,,\r\n"
    "taken@example.org,Tia,Taken,,,\r\n"
    "dee@example.org,Dee,Evans,,Nowhere,\r\n"
    "eve@example.org,,Francis,,,\r\n"
    "ro@example.org,Róisín,O'Neil-Ní,,DOWNTOWN,\r\n"
)


@pytest.fixture(autouse=True)
def pickups_and_a_taken_address(market):
    """The market offers the Downtown pickup, and taken@example.org already has an account."""
    market.pickup_locations_enabled = True
    PickupLocationFactory(market=market, name="Downtown")
    AccountFactory(market=market, email="taken@example.org")
    db.session.commit()


def upload(client, content: bytes | str, filename="customers.csv"):
    if isinstance(content, str):
        content = content.encode("utf-8")
    token = csrf_token_from(client.get(LIST).get_data(as_text=True))
    return client.post(
        UPLOAD,
        data={"csrf_token": token, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def statuses(html: str) -> dict[int, str]:
    rows = re.findall(
        r'<tr data-row="(\d+)".*?<td class="lg-row-status">\s*(.*?)\s*</td>', html, re.S
    )
    return {int(n): re.sub(r"<[^>]+>", "", s).strip() for n, s in rows}


def _customers(market):
    db.session.expire_all()
    return db.session.scalars(
        select(Account)
        .where(Account.market_id == market.id, Account.is_manager.is_(False))
        .order_by(Account.id)
    ).all()


def test_the_preview_shows_every_row_with_its_status_and_creates_nothing(
    signed_in, manager, market, mailbox
):
    client = signed_in(manager)
    response = upload(client, GOOD_AND_BAD)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert statuses(page) == {
        2: "Ready",
        3: "Skipped: missing email",
        4: "Skipped: invalid email",
        5: "Skipped: duplicate within the file (same email as row 2)",
        6: "Skipped: already has an account",
        7: "Skipped: unrecognized pickup location",
        8: "Skipped: missing name (no first name)",
        9: "Ready",
    }
    text = visible_text(page)
    assert "8 rows: 2 Ready, 6 will be skipped" in text
    assert "(1 missing email, 1 invalid email, 1 duplicate within the file," in text
    assert "These columns are not imported: Notes." in page
    assert "Róisín" in page and "O&#39;Neil-Ní" in page
    assert len(_customers(market)) == 1  # only the one that was there
    assert mailbox.messages() == []


def test_import_creates_exactly_the_ready_rows_once(signed_in, manager, market, mailbox):
    client = signed_in(manager)
    preview_url = upload(client, GOOD_AND_BAD).headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    token = csrf_token_from(page)
    first = client.post(preview_url, data={"csrf_token": token})
    second = client.post(preview_url, data={"csrf_token": token})  # the double-click
    assert first.status_code == second.status_code == 302

    created = [a for a in _customers(market) if a.email != "taken@example.org"]
    assert [(a.first_name, a.last_name, a.email) for a in created] == [
        ("Ana", "López", "ana@example.org"),
        ("Róisín", "O'Neil-Ní", "ro@example.org"),
    ]
    assert created[0].phone == "+17065431234"
    assert created[0].pickup_location.name == created[1].pickup_location.name == "Downtown"
    assert {a.created_by_id for a in created} == {manager.id}
    assert sorted(m["To"] for m in mailbox.messages()) == ["ana@example.org", "ro@example.org"]

    result = client.get(preview_url).get_data(as_text=True)
    assert "Imported 2 customers; welcome emails" in visible_text(result)
    assert statuses(result)[2] == "Created" and statuses(result)[9] == "Created"
    actions = db.session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.market_id == market.id, AuditEntry.action != "auth.signed_in"
        )
    ).all()
    assert sorted(actions) == ["account.create", "account.create", "customers.import"]


def test_concurrent_imports_of_one_preview_import_once(app, manager, market):
    preview = create_preview(manager, market, GOOD_AND_BAD.encode(), "c.csv")
    preview_id, manager_id = preview.id, manager.id
    barrier = threading.Barrier(3)
    outcomes = []

    def press_import():
        with app.app_context():
            me = db.session.get(Account, manager_id)
            barrier.wait()
            outcomes.append(
                carry_out_import(me, me.market, db.session.get(ImportPreview, preview_id))
            )
            db.session.remove()

    threads = [threading.Thread(target=press_import) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, False, True]
    assert len(_customers(market)) == 3  # taken@ and the two Ready rows


def test_an_address_that_got_an_account_since_the_preview_is_skipped(manager, market):
    preview = create_preview(manager, market, GOOD_AND_BAD.encode(), "c.csv")
    AccountFactory(market=market, email="ro@example.org")
    assert carry_out_import(manager, market, preview)
    db.session.refresh(preview)
    assert preview.status == ImportStatus.IMPORTED
    assert [c["email"] for c in preview.result["created"]] == ["ana@example.org"]
    assert preview.result["skipped"] == [
        {"row": 9, "email": "ro@example.org", "reason": "already has an account"}
    ]


@pytest.mark.parametrize(
    "encoding, prefix",
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("utf-16", b"")],
)
def test_encodings_are_read(encoding, prefix, market):
    text = (
        "first name,last name,email\r\n"
        "Zoë,Müller-Ørsted,zoe@example.org\r\n"
        "José,Nuñez,j@example.org\r\n"
    )
    if encoding == "cp1252":
        text = text.replace("Ørsted", "Orsted")  # Windows-1252 has Ø, but keep it plain
    records, _ = read_csv(prefix + text.encode(encoding))
    assert records[0][1]["first name"] == "Zoë"
    assert records[1][1]["last name"] == "Nuñez"
    assert records[0][1]["email"] == "zoe@example.org"


def test_columns_in_any_order_and_any_capitalisation_and_semicolons(market):
    records, ignored = read_csv(
        b"  EMAIL ; Last_Name;First Name;PHONE\n0706 555;x;y;\nzed@example.org;Zed;Zee;\n"
    )
    assert ignored == []
    assert records[1] == (
        3,
        {"email": "zed@example.org", "last name": "Zed", "first name": "Zee", "phone": ""},
    )


def test_blank_lines_are_not_rows_but_keep_the_row_numbers(market):
    records, _ = read_csv(b"first name,last name,email\n\nA,B,a@b.org\n,,\nC,D,c@d.org\n")
    assert [number for number, _ in records] == [3, 5]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "The file is empty."),
        (b"Ana,Lopez,ana@example.org\n", "The first row must be a header row"),
        (b"first name,email\nAna,ana@example.org\n", "The header row has no \u201clast name\u201d"),
        (b"first name,last name,email\n", "header row but no customers"),
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 100, "That file is not a CSV"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00\x01" * 50, "That file is not a CSV"),
        (b"%PDF-1.7\n" + b"x" * 50, "That file is not a CSV"),
        (
            b"first name,last name,email\n" + b"A,B,a@b.org\n" * 201,
            "The file has 201 customer rows; at most 200",
        ),
        (b"first name,last name,email\n" + b"x" * 1_000_001, "larger than 1 MB"),
    ],
)
def test_files_that_cannot_be_imported_are_refused_with_a_clear_message(content, message):
    with pytest.raises(CsvRefused) as refused:
        read_csv(content)
    assert message in str(refused.value)


def test_two_hundred_rows_are_fine(market):
    rows = "".join(f"F{n},L{n},p{n}@example.org\n" for n in range(200))
    records, _ = read_csv(("first name,last name,email\n" + rows).encode())
    assert len(records) == 200


def test_a_refused_file_shows_its_message_on_the_upload_page(signed_in, manager):
    response = upload(signed_in(manager), b"%PDF-1.7\n" + b"x" * 64, "customers.pdf")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "That file is not a CSV or an Excel workbook (.xlsx)" in html
    assert 'role="alert"' in html


def test_an_upload_over_the_request_limit_is_refused_with_the_size_message(signed_in, manager):
    response = upload(signed_in(manager), b"first name,last name,email\n" + b"x" * 1_200_000)
    assert response.status_code == 400
    assert "larger than 1 MB" in response.get_data(as_text=True)


def test_formula_like_cells_import_as_text(manager, market):
    content = (
        "first name,last name,email,phone\n"
        '=HYPERLINK("http://evil.example"),+Plus,formula@example.org,\n'
        "@SUM(A1),-Minus,at@example.org,+1 706 543 1234\n"
    )
    preview = create_preview(manager, market, content.encode(), "f.csv")
    assert [r["problems"] for r in preview.rows] == [[], []]
    carry_out_import(manager, market, preview)
    by_email = {a.email: a for a in _customers(market)}
    assert by_email["formula@example.org"].first_name == '=HYPERLINK("http://evil.example")'
    assert by_email["formula@example.org"].last_name == "+Plus"
    assert by_email["at@example.org"].first_name == "@SUM(A1)"
    assert by_email["at@example.org"].phone == "+17065431234"


def test_html_in_cells_is_shown_as_text(signed_in, manager):
    client = signed_in(manager)
    location = upload(
        client, "first name,last name,email\n<img src=x onerror=alert(1)>,<i>x</i>,h@example.org\n"
    ).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_pickup_location_column_is_ignored_when_the_market_does_not_use_them(manager):
    market = MarketFactory(pickup_locations_enabled=False)
    rows = check_rows(market, [(2, {"first name": "A", "last name": "B", "email": "a@b.org",
                                    "pickup location": "Anywhere"})])  # fmt: skip
    assert rows[0]["problems"] == [] and rows[0]["pickup_location_id"] is None


def test_another_markets_preview_is_not_found(app, manager, market):
    preview = create_preview(manager, market, GOOD_AND_BAD.encode(), "c.csv")
    stranger = AccountFactory(manager=True)
    client = app.test_client()
    sign_in(client, stranger)
    assert client.get(f"/admin/customers/import/{preview.id}").status_code == 404
    token = csrf_token_from(client.get(LIST).get_data(as_text=True))
    response = client.post(f"/admin/customers/import/{preview.id}", data={"csrf_token": token})
    assert response.status_code == 404
    db.session.refresh(preview)
    assert preview.status == ImportStatus.PREVIEW


def test_the_blank_template_has_the_columns(signed_in, manager):
    response = signed_in(manager).get("/admin/customers/import/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True) == "first name,last name,email,phone,pickup location\r\n"


# Import never loses a good row


def cell_note(html: str, row: int) -> str:
    """The note under the phone cell of a preview row ("" when there is none)."""
    found = re.search(rf'<tr data-row="{row}".*?lg-cell-note">(.*?)<', html, re.S)
    return found.group(1).strip() if found and found.group(0).count("<tr") == 1 else ""


def test_an_unreadable_phone_leaves_the_phone_empty_and_the_row_ready(signed_in, manager, market):
    client = signed_in(manager)
    content = (
        "first name,last name,email,phone\n"
        "Ana,Lopez,ana@example.org,call me maybe\n"
        "Bo,Chen,bo@example.org,(706) 543-1234\n"
    )
    preview_url = upload(client, content).headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert statuses(page) == {2: "Ready", 3: "Ready"}
    assert cell_note(page, 2) == "phone not recognised: left empty"
    assert cell_note(page, 3) == ""
    assert "1 Ready row has a phone that couldn't be read: it is left empty." in visible_text(page)
    client.post(preview_url, data={"csrf_token": csrf_token_from(page)})
    phones = {a.email: a.phone for a in _customers(market)}
    assert phones["ana@example.org"] == "" and phones["bo@example.org"] == "+17065431234"


def test_a_skipped_row_never_makes_a_later_row_with_its_email_a_duplicate(manager, market):
    content = (
        "first name,last name,email,phone,pickup location\n"
        ",Chen,bo@example.org,,\n"  # 2: missing name
        "Bo,Chen,bo@example.org,,\n"  # 3: the first Ready bo@
        "Cy,Diaz,cy@example.org,,Nowhere\n"  # 4: unrecognized pickup location
        "Cy,Diaz,CY@example.org,,Downtown\n"  # 5: the first Ready cy@
        "Dee,Evans,dee@example.org,not a phone,\n"  # 6: Ready, phone left empty
        "Dee,Evans,dee@example.org,,\n"  # 7: duplicate of 6
        "Eve,Fox,eve@example.org,,\n"  # 8: Ready
        ",,eve@example.org,,\n"  # 9: missing name, not (also) a duplicate
    )
    preview = create_preview(manager, market, content.encode(), "c.csv")
    assert {row["row"]: row["problems"] for row in preview.rows} == {
        2: ["missing name (no first name)"],
        3: [],
        4: ["unrecognized pickup location"],
        5: [],
        6: [],
        7: ["duplicate within the file (same email as row 6)"],
        8: [],
        9: ["missing name (no first name or last name)"],
    }
    assert carry_out_import(manager, market, preview)
    db.session.refresh(preview)
    assert [c["row"] for c in preview.result["created"]] == [3, 5, 6, 8]


def test_the_preview_and_the_result_agree_row_for_row(signed_in, manager, market):
    client = signed_in(manager)
    content = GOOD_AND_BAD + (
        "fay@example.org,Fay,Gill,12,\r\n"  # 10: Ready, phone left empty
        ",Gus,Hall,,,\r\n"  # 11: missing email
        "gus@example.org,Gus,Hall,,,\r\n"  # 12: Ready
        "late@example.org,Lee,Late,,,\r\n"  # 13: Ready, gets an account before the import
    )
    preview_url = upload(client, content).headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    AccountFactory(market=market, email="late@example.org")
    client.post(preview_url, data={"csrf_token": csrf_token_from(page)})
    result = client.get(preview_url).get_data(as_text=True)

    before, after = statuses(page), statuses(result)
    assert sorted(before) == sorted(after)
    for row, status in before.items():
        if row == 13:
            assert after[row] == "Skipped: already has an account since the preview"
        elif status == "Ready":
            assert after[row] == "Created", row
        else:
            assert after[row] == status, row
        assert cell_note(result, row) == cell_note(page, row)
    created = {a.email for a in _customers(market)} - {"taken@example.org", "late@example.org"}
    ready = {
        re.search(rf'<tr data-row="{row}".*?<td>([^<]*@[^<]*)</td>', page, re.S).group(1)
        for row, status in before.items()
        if status == "Ready" and row != 13
    }
    assert created == ready == {
        "ana@example.org", "ro@example.org", "fay@example.org", "gus@example.org"
    }  # fmt: skip


# Excel workbooks


def workbook_bytes(rows, *, title="Customers", leading_blank_rows=0) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for _ in range(leading_blank_rows):
        sheet.append([])
    for row in rows:
        sheet.append(row)
    workbook.create_sheet("Notes").append(["first name", "last name", "email"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _preview_count(market) -> int:
    return len(
        db.session.scalars(select(ImportPreview).where(ImportPreview.market_id == market.id)).all()
    )


def test_an_xlsx_is_read_like_a_csv(signed_in, manager, market):
    content = workbook_bytes(
        [
            ["E-mail address", "First Name", "Last_Name", "Phone number", "Pickup", "Notes"],
            ["ana@example.org", "Ana", "López", 7065431234, "downtown", "likes kale"],
            [None, None, None, None, None, None],
            ["bo@example.org", None, "Chen", None, None, None],
            ["ANA@example.org", "Ana", "Again", None, None, None],
            ["cy@example.org", "Cy", "Diaz", "no phone", None, None],
        ],
        leading_blank_rows=2,
    )
    client = signed_in(manager)
    response = upload(client, content, "customers.xlsx")
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert statuses(page) == {
        4: "Ready",
        6: "Skipped: missing name (no first name)",
        7: "Skipped: duplicate within the file (same email as row 4)",
        8: "Ready",
    }
    assert cell_note(page, 8) == "phone not recognised: left empty"
    assert "These columns are not imported: Notes." in page
    client.post(preview_url, data={"csrf_token": csrf_token_from(page)})
    created = {a.email: a for a in _customers(market)}
    assert created["ana@example.org"].phone == "+17065431234"
    assert created["ana@example.org"].pickup_location.name == "Downtown"
    assert created["cy@example.org"].phone == ""


def test_the_grids_excel_export_imports_into_another_market(signed_in, manager, market):
    AccountFactory(market=market, email="kim@example.org", first_name="Kim", last_name="Ng")
    exported = signed_in(manager).get("/admin/customers/export/xlsx").get_data()
    other = MarketFactory(pickup_locations_enabled=True)
    PickupLocationFactory(market=other, name="Downtown")
    other_manager = AccountFactory(manager=True, market=other)
    preview = create_preview(other_manager, other, exported, "customers-athens.xlsx")
    by_email = {row["email"]: row for row in preview.rows}
    assert by_email["kim@example.org"]["problems"] == []
    assert (
        by_email["kim@example.org"]["first_name"],
        by_email["kim@example.org"]["last_name"],
    ) == (
        "Kim",
        "Ng",
    )


def _encrypted_workbook() -> bytes:
    plain, encrypted = (
        io.BytesIO(workbook_bytes([["first name", "last name", "email"]])),
        io.BytesIO(),
    )
    msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt("secret", encrypted)
    return encrypted.getvalue()


@pytest.mark.parametrize(
    "make, filename, message",
    [
        (lambda: b"first name,last name,email\nA,B,a@b.org\n", "customers.xlsx",
         "That .xlsx file can't be read as a spreadsheet"),
        (lambda: b"PK\x03\x04" + b"\x00" * 64, "customers.xlsx",
         "That .xlsx file can't be read as a spreadsheet"),
        (lambda: workbook_bytes([])[:-200], "customers.xlsx",
         "That .xlsx file can't be read as a spreadsheet"),
        (_encrypted_workbook, "customers.xlsx", "That workbook is password-protected"),
        (lambda: workbook_bytes([["first name", "last name", "email"]]
                                + [[f"F{n}", f"L{n}", f"p{n}@example.org"] for n in range(201)]),
         "customers.xlsx", "The sheet has more than 200 customer rows; at most 200"),
        (lambda: workbook_bytes([["first name", "last name", "email"]]), "customers.xlsx",
         "The file has a header row but no customers under it."),
        (lambda: b"%PDF-1.7\n" + b"x" * 64, "customers.pdf",
         "That file is not a CSV or an Excel workbook (.xlsx)"),
        (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "customers.xls",
         "That file is not a CSV or an Excel workbook (.xlsx)"),
    ],
)  # fmt: skip
def test_a_file_that_cannot_be_read_gets_one_clear_message_and_changes_nothing(
    signed_in, manager, market, make, filename, message
):
    response = upload(signed_in(manager), make(), filename)
    assert response.status_code == 400
    alerts = re.findall(r'role="alert"[^>]*>(.*?)</div>', response.get_data(as_text=True), re.S)
    assert len(alerts) == 1
    assert message in unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", alerts[0])))
    assert _preview_count(market) == 0
    assert len(_customers(market)) == 1  # only taken@, there before


def test_two_hundred_rows_of_a_workbook_are_fine(manager, market):
    rows = [[f"F{n}", f"L{n}", f"p{n}@example.org"] for n in range(200)]
    content = workbook_bytes([["first name", "last name", "email"], *rows])
    preview = create_preview(manager, market, content, "big.xlsx")
    assert len(preview.rows) == 200 and not any(row["problems"] for row in preview.rows)
