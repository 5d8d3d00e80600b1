"""What the account-feature tests share: the details page, its sections and POSTs to it."""

from sqlalchemy import select

from lgadmin.extensions import db
from tests.conftest import csrf_token_from


def details(client, account):
    response = client.get(f"/admin/customers/details/?id={account.id}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def section(html, anchor):
    return html.split(f'id="{anchor}"')[1].split("</section>")[0]


def post(client, account, action, data, follow=False):
    token = csrf_token_from(details(client, account))
    return client.post(
        f"/admin/customers/{account.id}/{action}",
        data={"csrf_token": token, **data},
        follow_redirects=follow,
    )


def fresh(model, pk):
    """The row as the database has it now, or None when it is gone."""
    db.session.expire_all()
    return db.session.scalars(select(model).where(model.id == pk)).one_or_none()
