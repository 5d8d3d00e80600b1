"""Possible duplicates: shared normalised email, phone or name, ranked, one market only."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lgadmin.extensions import db
from lgadmin.merge.duplicates import (
    normalised_email,
    normalised_name,
    normalised_phone,
    possible_duplicates,
)
from lgadmin.merge.service import merge_accounts
from tests.factories import AccountFactory, MarketFactory


@pytest.mark.parametrize(
    "email, expected",
    [
        ("Robert.Smith+market@Gmail.com", "robertsmith@gmail.com"),
        ("r.o.b.e.r.t.smith@googlemail.com", "robertsmith@gmail.com"),
        ("robert.smith+news@outlook.com", "robert.smith@outlook.com"),
        ("robert.smith@example.org", "robert.smith@example.org"),
        ("robert.smith+tag@example.org", "robert.smith+tag@example.org"),
    ],
)
def test_email_normalisation_drops_case_and_dots_and_tags_only_where_the_provider_does(
    email, expected
):
    assert normalised_email(email) == expected


def test_phone_and_name_normalisation():
    assert normalised_phone("(706) 555-0123") == normalised_phone("+1 706-555-0123")
    assert normalised_phone("") == ""
    assert normalised_name(" Robert ", "SMITH") == normalised_name("robert", "Smith")
    assert normalised_name("", "Smith") == ""


def _pair_names(pairs):
    return [({p.first.first_name, p.second.first_name}, p.reason_labels) for p in pairs]


def test_duplicates_are_found_and_ranked_email_then_phone_then_name(market):
    AccountFactory(
        market=market, first_name="Rob", last_name="Smith", email="robert.smith@gmail.com"
    )
    AccountFactory(
        market=market,
        first_name="Robert",
        last_name="Smithers",
        email="Robert.Smith+market@gmail.com",
    )
    AccountFactory(market=market, first_name="Ann", last_name="Lee", phone="+17065550111")
    AccountFactory(market=market, first_name="Anna", last_name="Li", phone="(706) 555-0111")
    AccountFactory(market=market, first_name="Tom", last_name="Baker")
    AccountFactory(market=market, first_name="tom", last_name="BAKER")
    AccountFactory(market=market, first_name="Zoe", last_name="Park", phone="+17065550999")
    AccountFactory(market=market, first_name="Zoe", last_name="Park", phone="+17065550999")
    AccountFactory(market=market, first_name="Nobody", last_name="Alike")

    pairs = possible_duplicates(market)

    assert _pair_names(pairs) == [
        ({"Rob", "Robert"}, ["Same email"]),
        ({"Zoe"}, ["Same phone", "Same name"]),
        ({"Ann", "Anna"}, ["Same phone"]),
        ({"Tom", "tom"}, ["Same name"]),
    ]


def test_duplicates_leave_out_other_markets_managers_inactive_and_merged_accounts(market):
    manager = AccountFactory(market=market, manager=True, first_name="Mia", last_name="Fox")
    AccountFactory(market=market, first_name="Mia", last_name="Fox", email="mia@example.org")
    AccountFactory(market=MarketFactory(), first_name="Mia", last_name="Fox")
    AccountFactory(market=market, first_name="Mia", last_name="Fox", active=False)
    assert possible_duplicates(market) == []

    kept = AccountFactory(market=market, first_name="Al", last_name="Ng")
    gone = AccountFactory(market=market, first_name="Al", last_name="Ng")
    assert len(possible_duplicates(market)) == 1
    merge_accounts(manager, market, gone, kept)
    db.session.commit()
    assert possible_duplicates(market) == []


def test_the_duplicates_page_links_both_accounts_and_suggests_the_merge(market, signed_in):
    manager = AccountFactory(market=market, manager=True)
    joined_later = AccountFactory(
        market=market, first_name="Rob", last_name="Smith", email="robert.smith@gmail.com"
    )
    joined_first = AccountFactory(
        market=market, first_name="Rob", last_name="Smith", email="robertsmith@gmail.com"
    )
    client = signed_in(manager)
    grid = client.get("/admin/customers/").get_data(as_text=True)
    assert "Possible duplicates" in grid
    page = client.get("/admin/customers/duplicates/").get_data(as_text=True)
    assert "Same email" in page and "Same name" in page
    assert f"/admin/customers/details/?id={joined_later.id}" in page
    assert f"/admin/customers/details/?id={joined_first.id}" in page
    # The account that joined first is suggested as the one to keep.
    assert f"/admin/customers/{joined_later.id}/merge?into={joined_first.id}" in page


@given(
    digits=st.from_regex(r"[2-9][0-9]{2}[2-9][0-9]{6}", fullmatch=True),
    shape=st.sampled_from(
        [
            "{a}{b}{c}",
            "({a}) {b}-{c}",
            "{a}-{b}-{c}",
            "{a}.{b}.{c}",
            "1 {a} {b} {c}",
            "+1 {a}-{b}-{c}",
        ]
    ),
)
def test_the_quick_phone_key_agrees_with_the_phone_parser(digits, shape):
    """The shortcut for common shapes gives the same key as phonenumbers would."""
    from phonenumbers import PhoneNumberFormat, format_number
    from phonenumbers import parse as parse_phone

    raw = shape.format(a=digits[:3], b=digits[3:6], c=digits[6:])
    assert normalised_phone(raw, "US") == format_number(
        parse_phone(raw, "US"), PhoneNumberFormat.E164
    )


def test_international_numbers_and_trunk_prefixes_get_the_same_key():
    assert normalised_phone("+44 20 7946 0958") == "+442079460958"
    assert normalised_phone("+44 (0) 20 7946 0958") == "+442079460958"
    assert normalised_phone("020 7946 0958", "GB") == "+442079460958"


def test_possible_duplicates_and_the_merge_picker_show_phones_as_the_details_do(market, signed_in):
    manager = AccountFactory(market=market, manager=True)
    first = AccountFactory(market=market, first_name="Ann", phone="+17065550123")
    AccountFactory(market=market, first_name="Annie", phone="+17065550123")
    client = signed_in(manager)
    duplicates = client.get("/admin/customers/duplicates/").get_data(as_text=True)
    picker = client.get(f"/admin/customers/{first.id}/merge?q=Annie").get_data(as_text=True)
    for page in (duplicates, picker):
        assert "(706) 555-0123" in page and "+17065550123" not in page


def _pairs_of(market):
    return [({p.first.id, p.second.id}, p.reason_labels) for p in possible_duplicates(market)]


def test_a_gmail_address_with_dots_a_tag_or_googlemail_pairs_with_the_plain_one(market):
    plain = AccountFactory(market=market, first_name="Ann", email="annlee@gmail.com")
    dotted = AccountFactory(market=market, first_name="Bea", email="ann.lee+veg@googlemail.com")
    # Other providers keep their dots: a different mailbox, no pair.
    AccountFactory(market=market, first_name="Cy", email="ann.lee@example.org")
    AccountFactory(market=market, first_name="Di", email="annlee@example.org")

    assert _pairs_of(market) == [({plain.id, dotted.id}, ["Same email"])]


def test_names_pair_whatever_their_accents_case_and_spacing(market):
    zoe = AccountFactory(market=market, first_name="Zoë", last_name="Park-Lee")
    other = AccountFactory(market=market, first_name=" zoe ", last_name="PARK-LEE")
    AccountFactory(market=market, first_name="Zoe", last_name="Parker")

    assert _pairs_of(market) == [({zoe.id, other.id}, ["Same name"])]


def test_the_same_person_in_two_markets_is_never_a_pair(market, other_market):
    for each in (market, other_market):
        AccountFactory(
            market=each, first_name="Ann", last_name="Lee", email="ann@x.org", phone="+17065550111"
        )
    assert possible_duplicates(market) == []
    assert possible_duplicates(other_market) == []


def test_an_erased_or_deactivated_account_never_pairs(market):
    manager = AccountFactory(market=market, manager=True)
    first = AccountFactory(market=market, first_name="Ann", last_name="Lee", phone="+17065550111")
    second = AccountFactory(market=market, first_name="Ann", last_name="Lee", phone="+17065550111")
    assert _pairs_of(market) == [({first.id, second.id}, ["Same phone", "Same name"])]

    from lgadmin.privacy.service import erase_customer

    erase_customer(manager, market, second)
    db.session.commit()
    assert possible_duplicates(market) == []


def test_editing_email_phone_or_name_makes_the_pair_appear_and_disappear(market):
    from lgadmin.customers.service import update_info

    manager = AccountFactory(market=market, manager=True)
    ann = AccountFactory(market=market, first_name="Ann", last_name="Lee", email="ann@x.org")
    bea = AccountFactory(market=market, first_name="Bea", last_name="Ray", email="bea@x.org")
    assert possible_duplicates(market) == []

    def edit(account, **values):
        current = {"first_name": account.first_name, "last_name": account.last_name}
        current |= {"email": account.email, "phone": account.phone}
        update_info(account, manager, current | values)
        db.session.commit()

    edit(bea, email="Ann+Market@x.org")  # not a provider that drops tags: another mailbox
    assert possible_duplicates(market) == []
    edit(ann, email="ann.lee@gmail.com")
    edit(bea, email="annlee+market@gmail.com")
    assert _pairs_of(market) == [({ann.id, bea.id}, ["Same email"])]
    edit(bea, email="bea@x.org", phone="(706) 555-0111")
    edit(ann, phone="+1 706 555 0111")
    assert _pairs_of(market) == [({ann.id, bea.id}, ["Same phone"])]
    edit(bea, phone="", first_name="Änn", last_name="lee")
    assert _pairs_of(market) == [({ann.id, bea.id}, ["Same name"])]
    edit(bea, last_name="Leeds")
    assert possible_duplicates(market) == []


def test_a_name_shared_by_more_than_twelve_active_customers_is_left_out(market):
    twelve = [
        AccountFactory(market=market, first_name="John", last_name="Smith") for _ in range(12)
    ]
    AccountFactory(market=market, first_name="John", last_name="Smith", active=False)
    pairs = possible_duplicates(market)
    assert len(pairs) == 66  # 12 × 11 / 2: the inactive thirteenth doesn't count
    assert {p.first.id for p in pairs} | {p.second.id for p in pairs} == {a.id for a in twelve}

    AccountFactory(market=market, first_name="john", last_name="SMITH")
    assert possible_duplicates(market) == []


def test_the_list_keeps_the_strongest_pairs_up_to_the_limit_in_the_same_order(market):
    by_name = [AccountFactory(market=market, first_name="Tom", last_name="Baker") for _ in range(3)]
    by_email = [
        AccountFactory(market=market, first_name=name, email=email)
        for name, email in (("Rob", "rob.smith@gmail.com"), ("Bob", "robsmith@gmail.com"))
    ]
    pairs = _pairs_of(market)
    assert pairs == [
        ({by_email[0].id, by_email[1].id}, ["Same email"]),
        ({by_name[0].id, by_name[1].id}, ["Same name"]),
        ({by_name[0].id, by_name[2].id}, ["Same name"]),
        ({by_name[1].id, by_name[2].id}, ["Same name"]),
    ]
    assert [({p.first.id, p.second.id}) for p in possible_duplicates(market, limit=2)] == [
        pair for pair, _ in pairs[:2]
    ]
