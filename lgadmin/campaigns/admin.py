"""Campaign pages: compose to a segment, send through rq jobs, read the summary."""

from flask import flash, redirect, request, url_for
from flask_admin import expose

from ..admin.base import AdminView
from ..extensions import db
from ..identity import current_account
from ..segments.criteria import describe
from ..segments.models import Segment
from ..segments.service import (
    SegmentError,
    count_matching,
    market_segments,
    segment_criteria,
)
from ..staff import roles
from ..tenancy import get_in_market, require_market
from ..urls import mail_link_root
from .models import Campaign
from .service import (
    CampaignError,
    campaign_summary,
    market_campaigns,
    send_campaign,
)


class CampaignView(AdminView):
    required_permission = roles.SEND_CAMPAIGNS

    @expose("/")
    @roles.requires(roles.SEND_CAMPAIGNS)
    def index(self):
        market = require_market()
        return self.render(
            "lgadmin/campaigns/list.html", campaigns=market_campaigns(market), market=market
        )

    @expose("/new", methods=("GET", "POST"))
    @roles.requires(roles.SEND_CAMPAIGNS)
    def new_view(self):
        market = require_market()
        source = request.form if request.method == "POST" else request.args
        segment = None
        if source.get("segment"):
            segment = get_in_market(Segment, source.get("segment"), market)
        subject, message = source.get("subject", ""), source.get("message", "")
        errors, status = {}, 200
        if request.method == "POST":
            try:
                if segment is None:
                    raise CampaignError({"segment": "Choose the segment to send to."})
                campaign = send_campaign(
                    current_account, market, segment, subject, message, root=mail_link_root()
                )
            except (CampaignError, SegmentError) as error:
                db.session.rollback()
                errors, status = error.errors, 400
            else:
                if campaign.recipient_count == 0:
                    flash("The segment matches nobody today: nothing was sent.", "warning")
                else:
                    flash(f"Sending to {campaign.recipient_count:,} customers.", "success")
                return redirect(url_for(".campaign_view", campaign_id=campaign.id))
        criteria = segment_criteria(segment) if segment is not None else None
        return (
            self.render(
                "lgadmin/campaigns/new.html",
                market=market,
                segment=segment,
                segments=market_segments(market),
                badges=describe(criteria.values, market.currency) if criteria else [],
                matching=count_matching(market, criteria)
                if criteria is not None and criteria.is_valid
                else None,
                subject=subject,
                message=message,
                errors=errors,
            ),
            status,
        )

    @expose("/<lgadmin_id:campaign_id>/")
    @roles.requires(roles.SEND_CAMPAIGNS)
    def campaign_view(self, campaign_id: int):
        market = require_market()
        campaign = get_in_market(Campaign, campaign_id, market)
        return self.render(
            "lgadmin/campaigns/summary.html", summary=campaign_summary(campaign), market=market
        )
