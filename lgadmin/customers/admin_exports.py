"""The pages of exports run as jobs: one per export with its progress bar and download link,
and the market's recent exports. Managers of the market who may export reach them; another
market's export is a 404 (get_in_market)."""

from flask import abort, jsonify, send_file, url_for
from flask_admin import expose

from ..extensions import db
from ..identity import current_account
from ..staff import roles
from ..tenancy import require_market
from ..timeutil import format_datetime
from .export_jobs import ExportGone, export_file, market_export, recent_exports
from .models import ExportStatus

MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ExportJobsMixin:
    @expose("/exports/")
    @roles.requires(roles.EXPORT_CUSTOMERS)
    def exports_view(self):
        market = require_market()
        return self.render(
            "lgadmin/customers/exports.html",
            exports=recent_exports(market),
            market=market,
            format_datetime=format_datetime,
        )

    @expose("/exports/<lgadmin_id:export_id>")
    @roles.requires(roles.EXPORT_CUSTOMERS)
    def export_job_view(self, export_id: int):
        market = require_market()
        export = market_export(market, export_id)
        return self.render(
            "lgadmin/customers/export_job.html",
            export=export,
            state=_state(export, market),
            market=market,
            format_datetime=format_datetime,
        )

    @expose("/exports/<lgadmin_id:export_id>/status")
    @roles.requires(roles.EXPORT_CUSTOMERS)
    def export_job_status(self, export_id: int):
        """What the page's script polls: status, rows, percent, the link when done."""
        market = require_market()
        response = jsonify(_state(market_export(market, export_id), market))
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/exports/<lgadmin_id:export_id>/download")
    @roles.requires(roles.EXPORT_CUSTOMERS)
    def export_job_download(self, export_id: int):
        market = require_market()
        export = market_export(market, export_id)
        try:
            path = export_file(current_account, export)
        except ExportGone:
            abort(404)
        db.session.commit()  # the download's audit entry
        return send_file(
            path,
            mimetype=MIMETYPES[export.format],
            as_attachment=True,
            download_name=export.filename,
            max_age=0,
        )


def _state(export, market) -> dict:
    done = export.status == ExportStatus.DONE
    return {
        "status": export.status.value,
        "label": export.status.label,
        "rows": export.row_count,
        "total": export.total_rows,
        "percent": export.percent,
        "error": export.error,
        "finished": not export.is_unfinished,
        "download_url": url_for(".export_job_download", export_id=export.id) if done else None,
        "expires": format_datetime(export.expires_at, market) if done else "",
    }
