"""The market's audit log in the admin: read-only, newest first."""

from flask_admin.contrib.sqla.filters import FilterEqual
from sqlalchemy.orm import joinedload

from ..admin.base import MarketModelView
from ..staff import roles
from ..tenancy import require_market
from ..timeutil import format_datetime
from .actions import ACTION_LABELS, action_label
from .models import AuditEntry


def _actor(view, context, entry, name):
    if entry.actor is None:
        return "System"
    return str(entry.actor)


def _action(view, context, entry, name):
    return action_label(entry.action)


def _when(view, context, entry, name):
    return format_datetime(entry.created_at, require_market())


class AuditLogView(MarketModelView):
    model_class = AuditEntry
    required_permission = roles.VIEW_AUDIT_LOG
    can_create = can_edit = can_delete = False
    can_view_details = True
    column_list = ("created_at", "actor", "action", "summary")
    column_labels = {"created_at": "When", "actor": "Who", "action": "Action", "summary": "What"}
    column_default_sort = [("created_at", True), ("id", True)]
    column_sortable_list = ("created_at", "action")
    column_searchable_list = ("summary", "action")
    # Chosen by name from the known actions, not typed as a code.
    column_filters = (
        FilterEqual(
            AuditEntry.action,
            "Action",
            options=sorted(ACTION_LABELS.items(), key=lambda item: item[1]),
        ),
    )
    column_formatters = {"actor": _actor, "created_at": _when, "action": _action}
    column_details_list = (
        "created_at",
        "actor",
        "action",
        "target_type",
        "target_id",
        "summary",
        "details",
    )
    column_formatters_detail = column_formatters

    def get_query(self):
        return super().get_query().options(joinedload(AuditEntry.actor))
