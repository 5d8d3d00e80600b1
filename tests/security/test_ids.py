"""Ids too long for the database, or not numbers at all, are a 404 or a message: never a 500."""

import pytest
from werkzeug.routing import IntegerConverter

from lgadmin.extensions import limiter
from lgadmin.urls import MAX_ID, parse_id
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory

HUGE = "9" * 20  # past a BIGINT: the database can't even compare it


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("5", 5), (" 42 ", 42), (str(MAX_ID), MAX_ID), (HUGE, None), ("0", None), ("-1", None)]
    + [("²", None), ("5.0", None), ("", None), (None, None), ("٣", None)],
)
def test_an_id_is_a_whole_number_the_database_can_hold(raw, expected):
    assert parse_id(raw) == expected


def test_every_route_with_an_id_answers_a_huge_one_as_not_found(app, signed_in, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", False)
    manager = AccountFactory(manager=True)
    client = signed_in(manager)
    token = csrf_token_from(client.get("/admin/").get_data(as_text=True))
    tried = 0
    for rule in app.url_map.iter_rules():
        numbered = [
            name
            for name, converter in rule._converters.items()
            if isinstance(converter, IntegerConverter)
        ]
        if not numbered:
            continue
        values = {name: 1 for name in rule.arguments} | {"market_slug": manager.market.slug}
        values |= {name: 424242 for name in numbered}
        # The huge number where the ids go: no route of ours may take it to the database.
        path = rule.build(values, append_unknown=False)[1].replace("424242", HUGE)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code in (404, 405), f"{method} {path}: {response.status_code}"
            tried += 1
    assert tried >= 30


@pytest.mark.parametrize(
    "path",
    [
        f"/admin/customers/details/?id={HUGE}",
        f"/admin/audit-log/details/?id={HUGE}",
        f"/admin/customers/{{own}}/merge?into={HUGE}",
        f"/admin/segments/{HUGE}/edit",
    ],
)
def test_ids_in_the_query_string_answer_a_huge_one_with_a_404(signed_in, path):
    manager = AccountFactory(manager=True)
    customer = AccountFactory(market=manager.market)
    response = signed_in(manager).get(path.replace("{own}", str(customer.id)))
    assert response.status_code == 404


def test_bulk_actions_count_huge_and_odd_ids_as_skipped(signed_in):
    manager = AccountFactory(manager=True)
    customer = AccountFactory(market=manager.market)
    client = signed_in(manager)
    token = csrf_token_from(client.get("/admin/customers/").get_data(as_text=True))
    response = client.post(
        "/admin/customers/action/",
        data={
            "csrf_token": token,
            "action": "mailings_off",
            "rowid": [str(customer.id), HUGE, "²", "-3"],
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "3 skipped" in response.get_data(as_text=True)
