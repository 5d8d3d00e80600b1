"""Customer Groups (spec 004): the market's groups and their discounts, for its managers."""

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField

from ..admin.base import AdminView
from ..extensions import db
from ..identity import current_account
from ..staff import roles
from ..tenancy import get_in_market, require_market
from .models import CustomerGroup
from .service import GroupError, delete_group, format_percent, market_groups, save_group


class GroupForm(FlaskForm):
    name = StringField("Group name")
    discount_percent = StringField("Discount (%)")
    submit = SubmitField("Save Group")


class DeleteGroupForm(FlaskForm):
    submit = SubmitField("Delete")


class CustomerGroupsView(AdminView):
    required_permission = roles.MANAGE_GROUPS

    def _group(self, group_id: int) -> CustomerGroup:
        return get_in_market(CustomerGroup, group_id, require_market())

    def _page(self, status=200, new_form=None, edited=None):
        market = require_market()
        groups = market_groups(market)
        forms = {}
        for group, _ in groups:
            if edited and edited[0] == group.id:
                forms[group.id] = edited[1]
            else:
                forms[group.id] = GroupForm(
                    formdata=None,
                    prefix=f"g{group.id}",
                    name=group.name,
                    discount_percent=format_percent(group.discount_percent),
                )
        return self.render(
            "lgadmin/groups/index.html",
            groups=groups,
            forms=forms,
            new_form=new_form or GroupForm(formdata=None, prefix="new"),
            delete_form=DeleteGroupForm(formdata=None),
            market=market,
        ), status

    @expose("/")
    @roles.requires(roles.MANAGE_GROUPS)
    def index(self):
        return self._page()

    @expose("/add", methods=("POST",))
    @roles.requires(roles.MANAGE_GROUPS)
    def add(self):
        return self._save(None, GroupForm(prefix="new"))

    @expose("/<lgadmin_id:group_id>", methods=("POST",))
    @roles.requires(roles.MANAGE_GROUPS)
    def edit(self, group_id: int):
        group = self._group(group_id)
        return self._save(group, GroupForm(prefix=f"g{group.id}"))

    @expose("/<lgadmin_id:group_id>/delete", methods=("POST",))
    @roles.requires(roles.MANAGE_GROUPS)
    def delete(self, group_id: int):
        group = self._group(group_id)
        if DeleteGroupForm().validate_on_submit():
            name = group.name
            members = delete_group(current_account, require_market(), group)
            db.session.commit()
            flash(
                f"Deleted the group {name}; its {members} members now belong to no group.",
                "success",
            )
        return redirect(url_for(".index"))

    def _save(self, group, form):
        if form.validate_on_submit():
            try:
                saved = save_group(
                    current_account,
                    require_market(),
                    form.name.data,
                    form.discount_percent.data,
                    group,
                )
                db.session.commit()
            except GroupError as error:
                db.session.rollback()
                if group is not None:
                    db.session.refresh(group)
                form[error.field].errors = [*form[error.field].errors, str(error)]
            else:
                flash(f"Saved the group {saved.name}.", "success")
                return redirect(url_for(".index"))
        elif request.method == "POST" and form.csrf_token.errors:
            abort(400)
        if group is None:
            return self._page(400, new_form=form)
        return self._page(400, edited=(group.id, form))
