"""Segment pages: list, build with a live preview, save, open in the grid, delete."""

from flask import flash, redirect, request, url_for
from flask_admin import expose

from ..admin.base import AdminView
from ..extensions import db
from ..identity import current_account
from ..markets.models import PickupLocation
from ..staff import roles
from ..tenancy import find_in_market, get_in_market, require_market, select_in_market
from .criteria import FLAGS, Criteria, describe
from .models import Segment
from .service import (
    SegmentError,
    delete_segment,
    market_segments,
    preview,
    read_criteria,
    save_segment,
    segment_criteria,
)


class SegmentView(AdminView):
    required_permission = roles.MANAGE_SEGMENTS

    @expose("/")
    @roles.requires(roles.MANAGE_SEGMENTS)
    def index(self):
        market = require_market()
        segments = [
            (segment, describe(segment_criteria(segment).values, market.currency))
            for segment in market_segments(market)
        ]
        return self.render("lgadmin/segments/list.html", segments=segments, market=market)

    @expose("/new", methods=("GET", "POST"))
    @roles.requires(roles.MANAGE_SEGMENTS)
    def new_view(self):
        return self._builder(None)

    @expose("/<lgadmin_id:segment_id>/edit", methods=("GET", "POST"))
    @roles.requires(roles.MANAGE_SEGMENTS)
    def edit_view(self, segment_id: int):
        return self._builder(self._segment(segment_id))

    @expose("/<lgadmin_id:segment_id>/")
    @roles.requires(roles.MANAGE_SEGMENTS)
    def segment_view(self, segment_id: int):
        segment = self._segment(segment_id)
        market = require_market()
        criteria = segment_criteria(segment)
        return self.render(
            "lgadmin/segments/segment.html",
            segment=segment,
            market=market,
            badges=describe(criteria.values, market.currency, self._pickup_name(criteria)),
            preview=preview(market, criteria) if criteria.is_valid else None,
        )

    @expose("/<lgadmin_id:segment_id>/delete", methods=("POST",))
    @roles.requires(roles.MANAGE_SEGMENTS)
    def delete_view(self, segment_id: int):
        segment = self._segment(segment_id)
        name = segment.name
        delete_segment(current_account, require_market(), segment)
        db.session.commit()
        flash(f"Segment “{name}” deleted. Campaigns sent to it keep their records.", "success")
        return redirect(url_for(".index"))

    # -- the builder ----------------------------------------------------------
    def _builder(self, segment):
        market = require_market()
        source = request.form if request.method == "POST" else request.args
        if request.method == "GET" and segment is not None and not request.args:
            source = segment.criteria or {}
        criteria = read_criteria(market, source)
        name = source.get("name", segment.name if segment else "")
        description = source.get("description", segment.description if segment else "")
        errors = dict(criteria.errors)
        status = 200
        if request.method == "POST" and request.form.get("action") == "save":
            try:
                saved = save_segment(current_account, market, name, description, criteria, segment)
                db.session.commit()
            except SegmentError as error:
                db.session.rollback()
                errors, status = error.errors, 400
            else:
                flash(f"Segment “{saved.name}” saved.", "success")
                return redirect(url_for(".segment_view", segment_id=saved.id))
        elif errors:
            status = 400 if request.method == "POST" else 200
        shown = None
        if criteria.is_valid and (criteria.raw or request.method == "POST"):
            shown = preview(market, criteria)
        return (
            self.render(
                "lgadmin/segments/form.html",
                segment=segment,
                market=market,
                raw=criteria.raw,
                name=name,
                description=description,
                errors=errors,
                flags=FLAGS,
                pickups=self._pickups(market),
                preview=shown,
                badges=describe(criteria.values, market.currency, self._pickup_name(criteria))
                if criteria.is_valid
                else [],
                grid_url=url_for("lgadmin_customers.index_view", **criteria.raw),
            ),
            status,
        )

    # -- helpers ----------------------------------------------------------------
    def _segment(self, segment_id: int):
        return get_in_market(Segment, segment_id, require_market())

    @staticmethod
    def _pickups(market) -> list[PickupLocation]:
        return db.session.scalars(
            select_in_market(PickupLocation, market).order_by(PickupLocation.name)
        ).all()

    @staticmethod
    def _pickup_name(criteria: Criteria) -> str | None:
        chosen = criteria.values.get("pickup_location")
        if chosen is None:
            return None
        location = find_in_market(PickupLocation, chosen, require_market())
        return location.name if location else None
