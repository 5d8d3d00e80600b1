"""Exports larger than a page run as jobs (issue 23): a page with progress and a download link,
the file whole or not at all, its row count the grid's, kept for a while, another market's 404.

Inline on the embedded default (no Redis), and through rq with a real worker when
LGADMIN_TEST_REDIS_URL is set. A page here is 3 rows (LGADMIN_EXPORT_IMMEDIATE_ROWS).
"""

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from rq import SimpleWorker
from sqlalchemy import select, update

from lgadmin.audit.models import AuditEntry
from lgadmin.customers import export_jobs
from lgadmin.customers.models import CustomerExport, ExportStatus
from lgadmin.extensions import db
from lgadmin.jobs import queue
from lgadmin.segments.models import Segment
from lgadmin.staff.roles import StaffRole
from lgadmin.timeutil import utcnow
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, MarketFactory
from tests.insight import order

PAGE = 3
JOB_PAGE = re.compile(r"/admin/customers/exports/(\d+)$")


@pytest.fixture
def export_dir(app, monkeypatch, tmp_path):
    directory = tmp_path / "exports"
    monkeypatch.setitem(app.config, "LGADMIN_EXPORT_DIR", str(directory))
    monkeypatch.setitem(app.config, "LGADMIN_EXPORT_IMMEDIATE_ROWS", PAGE)
    return directory


@pytest.fixture
def customers(market, manager):
    """Eight customers of the market (with Maria, nine rows), some with orders, one inactive."""
    people = []
    for n in range(8):
        person = AccountFactory(
            market=market, last_name=f"Baker{n}", email=f"baker{n}@x.org", active=n != 7
        )
        for _ in range(n % 3):
            order(person, 1500)
        people.append(person)
    AccountFactory(market=MarketFactory(), email="elsewhere@x.org")
    return people


def _job_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    match = JOB_PAGE.search(response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _grid_count(client, query: str) -> int:
    html = client.get(f"/admin/customers/?{query}").get_data(as_text=True)
    return int(re.search(r'data-count="(\d+)"', html).group(1))


def _csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx_rows(data: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))[1:]


def _export(export_id: int) -> CustomerExport:
    db.session.expire_all()
    return db.session.get(CustomerExport, export_id)


def _entries(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    return list(db.session.scalars(query))


# -- inline, on the embedded default ------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "query", ["", "status=active", "orders_more_than=0&sort=6&desc=1", "search=baker"]
)
def test_the_exported_rows_are_the_filtered_grid_count(
    manager_client, customers, export_dir, fmt, query
):
    export_id = _job_id(manager_client.get(f"/admin/customers/export/{fmt}?{query}"))
    page = manager_client.get(f"/admin/customers/exports/{export_id}").get_data(as_text=True)
    assert "Ready to download" in page
    download = manager_client.get(f"/admin/customers/exports/{export_id}/download")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    data = download.get_data()
    rows = _csv_rows(data) if fmt == "csv" else _xlsx_rows(data)
    expected = _grid_count(manager_client, query)
    assert expected > PAGE
    assert len(rows) == expected == _export(export_id).row_count
    assert "elsewhere@x.org" not in data.decode("utf-8", "replace")


def test_a_job_export_keeps_the_grid_sort_and_its_columns(manager_client, customers, export_dir):
    export_id = _job_id(manager_client.get("/admin/customers/export/csv?sort=6&desc=1"))
    rows = _csv_rows(
        manager_client.get(f"/admin/customers/exports/{export_id}/download").get_data()
    )
    assert list(rows[0])[:5] == ["first name", "last name", "email", "phone", "pickup location"]
    orders = [int(r["total orders"]) for r in rows]
    assert orders == sorted(orders, reverse=True)


def test_the_job_and_each_download_are_in_the_audit_log(
    manager_client, manager, market, customers, export_dir
):
    export_id = _job_id(manager_client.get("/admin/customers/export/xlsx?search=baker"))
    (entry,) = _entries("lgadmin_customers.export")
    assert (entry.actor_id, entry.market_id) == (manager.id, market.id)
    assert entry.summary == "Exported the customer grid: 8 rows"
    assert entry.details["export_id"] == export_id and entry.details["grid"]["search"] == "baker"
    assert _entries("lgadmin_customers.export_downloaded") == []
    manager_client.get(f"/admin/customers/exports/{export_id}/download")
    (download,) = _entries("lgadmin_customers.export_downloaded")
    assert download.actor_id == manager.id and download.details["export_id"] == export_id


def test_a_segment_larger_than_a_page_is_a_job_named_after_it(
    manager_client, market, customers, export_dir
):
    segment = Segment(market_id=market.id, name="Regulars", criteria={"orders_more_than": "0"})
    db.session.add(segment)
    db.session.commit()
    export_id = _job_id(manager_client.get(f"/admin/customers/export/csv?segment={segment.id}"))
    export = _export(export_id)
    assert export.what == "segment “Regulars”" and "Regulars" in export.filename
    download = manager_client.get(f"/admin/customers/exports/{export_id}/download")
    assert "customers-athens-Regulars" in download.headers["Content-Disposition"]
    assert len(_csv_rows(download.get_data())) == _grid_count(
        manager_client, f"segment={segment.id}"
    )


def test_selected_rows_beyond_a_page_are_a_job(manager_client, manager, customers, export_dir):
    chosen = [c.id for c in customers[:5]]
    token = csrf_token_from(manager_client.get("/admin/customers/").get_data(as_text=True))
    response = manager_client.post(
        "/admin/customers/action/",
        data={"csrf_token": token, "action": "export_selected", "rowid": chosen},
    )
    export_id = _job_id(response)
    rows = _csv_rows(
        manager_client.get(f"/admin/customers/exports/{export_id}/download").get_data()
    )
    assert sorted(r["email"] for r in rows) == sorted(c.email for c in customers[:5])
    (entry,) = _entries("customer.bulk_export_selected")
    assert entry.summary == "Exported the selected customers: 5 rows"
    assert entry.details["ids"] == chosen and entry.actor_id == manager.id


def test_a_page_or_less_is_still_an_immediate_download(manager_client, customers, export_dir):
    response = manager_client.get("/admin/customers/export/csv?search=baker1")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert [r["email"] for r in _csv_rows(response.get_data())] == ["baker1@x.org"]
    assert db.session.scalar(select(CustomerExport.id)) is None


def test_the_recent_exports_list_links_each_export(manager_client, customers, export_dir):
    export_id = _job_id(manager_client.get("/admin/customers/export/csv"))
    page = manager_client.get("/admin/customers/exports/").get_data(as_text=True)
    assert f"/admin/customers/exports/{export_id}" in page and "Ready to download" in page
    assert "/admin/customers/exports/" in manager_client.get("/admin/customers/").get_data(
        as_text=True
    )


# -- who may see and download it ----------------------------------------------------------------


def test_another_markets_manager_gets_404_and_staff_without_export_403(
    manager_client, signed_in, market, customers, export_dir
):
    export_id = _job_id(manager_client.get("/admin/customers/export/csv"))
    other = signed_in(AccountFactory(market=MarketFactory(slug="other"), manager=True))
    support = signed_in(AccountFactory(market=market, staff_role=StaffRole.CUSTOMER_SUPPORT))
    for suffix in ("", "/status", "/download"):
        path = f"/admin/customers/exports/{export_id}{suffix}"
        assert other.get(path).status_code == 404, path
        response = support.get(path)
        assert response.status_code == 403, path
        assert "baker" not in response.get_data(as_text=True)
    assert f"exports/{export_id}" not in other.get("/admin/customers/exports/").get_data(
        as_text=True
    )
    assert _entries("lgadmin_customers.export_downloaded") == []


def test_another_manager_of_the_market_may_download_it(
    manager_client, signed_in, market, customers, export_dir
):
    export_id = _job_id(manager_client.get("/admin/customers/export/csv"))
    colleague = signed_in(AccountFactory(market=market, manager=True))
    download = colleague.get(f"/admin/customers/exports/{export_id}/download")
    assert download.status_code == 200 and len(_csv_rows(download.get_data())) > PAGE


# -- failures, dead workers, expiry -------------------------------------------------------------


def test_a_failed_export_says_so_and_delivers_no_file(
    manager_client, customers, export_dir, monkeypatch
):
    written = export_jobs.csv_pieces

    def disk_full_after_the_first_piece(rows):
        pieces = written(rows)
        yield next(pieces)
        raise OSError(28, "No space left on device")  # the edge we can't reach: a full disk

    monkeypatch.setattr(export_jobs, "csv_pieces", disk_full_after_the_first_piece)
    export_id = _job_id(manager_client.get("/admin/customers/export/csv"))
    page = manager_client.get(f"/admin/customers/exports/{export_id}").get_data(as_text=True)
    assert "Failed" in page and "no file was delivered" in page
    assert f"/exports/{export_id}/download" not in page
    assert manager_client.get(f"/admin/customers/exports/{export_id}/download").status_code == 404
    assert _export(export_id).status == ExportStatus.FAILED
    assert list(export_dir.iterdir()) == []  # not even the half-written file
    state = manager_client.get(f"/admin/customers/exports/{export_id}/status").get_json()
    assert state["status"] == "failed" and state["finished"] and state["download_url"] is None
    assert _entries("lgadmin_customers.export") == []


def test_an_export_that_cannot_write_its_folder_fails_with_a_message(
    manager_client, customers, export_dir, app, monkeypatch, tmp_path
):
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    monkeypatch.setitem(app.config, "LGADMIN_EXPORT_DIR", str(not_a_folder))
    export_id = _job_id(manager_client.get("/admin/customers/export/xlsx"))
    page = manager_client.get(f"/admin/customers/exports/{export_id}").get_data(as_text=True)
    assert "The export failed before it was complete" in page


def test_an_export_whose_worker_died_is_marked_failed_and_can_be_asked_for_again(
    app, manager_client, manager, market, customers, export_dir
):
    dead = CustomerExport(
        market_id=market.id,
        requested_by_id=manager.id,
        kind="grid",
        format="csv",
        what="the customer grid",
        filename="customers.csv",
        params={},
        fingerprint="dead",
        status=ExportStatus.RUNNING,
        total_rows=9,
        row_count=4,
        updated_at=utcnow() - timedelta(minutes=app.config["LGADMIN_EXPORT_STALE_MINUTES"] + 1),
    )
    db.session.add(dead)
    db.session.commit()
    page = manager_client.get(f"/admin/customers/exports/{dead.id}").get_data(as_text=True)
    assert "gave no sign of life" in page and "Failed" in page
    assert _export(dead.id).status == ExportStatus.FAILED
    export_jobs.run_export(dead.id)  # its job, come back late, writes nothing
    assert _export(dead.id).status == ExportStatus.FAILED and list(export_dir.glob("*")) == []


def test_a_file_past_its_keep_time_is_deleted_by_the_cleanup_command(
    app, manager_client, manager, signed_in, customers, export_dir, time_machine
):
    export_id = _job_id(manager_client.get("/admin/customers/export/csv"))
    assert len(list(export_dir.iterdir())) == 1
    time_machine.move_to(utcnow() + timedelta(hours=25))
    result = app.test_cli_runner().invoke(args=["lgadmin", "remove-expired-exports"])
    assert "1 expired export file removed" in result.output, result.output
    assert list(export_dir.iterdir()) == []
    assert _export(export_id).status == ExportStatus.EXPIRED
    manager_client = signed_in(manager)  # a day later: signed in again
    page = manager_client.get(f"/admin/customers/exports/{export_id}").get_data(as_text=True)
    assert "Expired" in page and "export again" in page
    assert manager_client.get(f"/admin/customers/exports/{export_id}/download").status_code == 404


# -- through rq, with a real worker -------------------------------------------------------------


@pytest.fixture
def export_queue(app, monkeypatch, redis_url):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "LGADMIN_QUEUE", "lgadmin-test-exports")
    q = queue()
    q.empty()
    yield q
    q.empty()


def test_with_redis_the_request_queues_a_job_a_worker_writes_the_file(
    manager_client, customers, export_dir, export_queue
):
    export_id = _job_id(manager_client.get("/admin/customers/export/xlsx?status=active"))
    page = manager_client.get(f"/admin/customers/exports/{export_id}").get_data(as_text=True)
    assert "Waiting to start" in page and "exports.js" in page
    assert 'role="progressbar"' in page
    state = manager_client.get(f"/admin/customers/exports/{export_id}/status").get_json()
    assert state["status"] == "queued" and not state["finished"] and state["download_url"] is None
    assert manager_client.get(f"/admin/customers/exports/{export_id}/download").status_code == 404

    # Asked for again while it waits: the same export, not a second job.
    again = manager_client.get("/admin/customers/export/xlsx?status=active")
    assert _job_id(again) == export_id and len(export_queue) == 1
    assert "already being written" in manager_client.get(again.headers["Location"]).get_data(
        as_text=True
    )

    SimpleWorker([export_queue], connection=export_queue.connection).work(burst=True)
    state = manager_client.get(f"/admin/customers/exports/{export_id}/status").get_json()
    assert state["status"] == "done" and state["percent"] == 100
    assert state["download_url"].endswith(f"/exports/{export_id}/download")
    rows = _xlsx_rows(manager_client.get(state["download_url"]).get_data())
    assert len(rows) == _grid_count(manager_client, "status=active") == state["rows"]

    # Done, the same request starts a fresh export.
    assert _job_id(manager_client.get("/admin/customers/export/xlsx?status=active")) != export_id


def test_with_redis_a_running_export_that_stops_reporting_is_not_left_running(
    app, manager_client, customers, export_dir, export_queue
):
    export_id = _job_id(manager_client.get("/admin/customers/export/csv"))
    minutes = app.config["LGADMIN_EXPORT_STALE_MINUTES"]
    db.session.execute(
        update(CustomerExport)
        .where(CustomerExport.id == export_id)
        .values(status=ExportStatus.RUNNING, updated_at=utcnow() - timedelta(minutes=minutes + 1))
    )
    db.session.commit()
    # the worker that took it died; asking again gives a new export, not the dead one
    again = _job_id(manager_client.get("/admin/customers/export/csv"))
    assert again != export_id and _export(export_id).status == ExportStatus.FAILED
    SimpleWorker([export_queue], connection=export_queue.connection).work(burst=True)
    assert _export(export_id).status == ExportStatus.FAILED
    assert _export(again).status == ExportStatus.DONE
