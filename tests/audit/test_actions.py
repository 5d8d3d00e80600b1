"""The Audit Log names each action in words; every action code written has such a name."""

import ast
import re
from pathlib import Path

import pytest

import lgadmin
from lgadmin.audit.actions import ACTION_LABELS
from lgadmin.audit.service import record
from lgadmin.customers.bulk import BULK_ACTIONS
from lgadmin.deliverability.models import MailEventKind
from lgadmin.extensions import db
from tests.factories import AccountFactory, MarketFactory

PACKAGE = Path(lgadmin.__file__).parent
# The codes an f-string action can expand to, by its fixed start.
EXPANSIONS = {
    "customer.bulk_": list(BULK_ACTIONS),
    "mail.": [kind.value for kind in MailEventKind],
}


def _codes(node: ast.expr, where: str, constants: dict[str, str]) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name) and node.id in constants:
        return [constants[node.id]]
    if isinstance(node, ast.IfExp):
        return _codes(node.body, where, constants) + _codes(node.orelse, where, constants)
    if isinstance(node, ast.JoinedStr):
        first = node.values[0]
        start = first.value if isinstance(first, ast.Constant) else ""
        if start not in EXPANSIONS or len(node.values) != 2:
            pytest.fail(f"{where}: add the codes of {ast.unparse(node)} to EXPANSIONS")
        return [start + value for value in EXPANSIONS[start]]
    pytest.fail(f"{where}: write the action as a string literal, not {ast.unparse(node)}")


def _passes_its_own_action_on(path: Path, action: ast.expr) -> bool:
    """record_export hands the action its caller wrote on to record; the caller is scanned."""
    return path == PACKAGE / "audit" / "service.py" and isinstance(action, ast.Name)


def written_action_codes() -> set[str]:
    """Every action passed to audit.service.record (or record_export) anywhere in the package."""
    codes = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {  # NAME = "code" at the module's top, used as the action
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name) and isinstance(node.value.value, str)
        }
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            func = call.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in ("record", "record_export"):
                continue
            action = call.args[2] if len(call.args) > 2 else None
            action = next((k.value for k in call.keywords if k.arg == "action"), action)
            if action is None or _passes_its_own_action_on(path, action):
                continue
            where = f"{path.relative_to(PACKAGE.parent)}:{call.lineno}"
            codes.update(_codes(action, where, constants))
    return codes


def test_every_action_code_written_anywhere_has_a_readable_name():
    codes = written_action_codes()
    assert len(codes) > 30  # the scan found the package's calls
    assert sorted(codes - ACTION_LABELS.keys()) == []


def test_the_audit_log_shows_action_names_not_codes(signed_in):
    market = MarketFactory()
    manager = AccountFactory(market=market, manager=True)
    customer = AccountFactory(market=market)
    record(manager, market.id, "balance.adjusted", customer, "Balance adjusted by $5.00")
    record(manager, market.id, "customer.bulk_mark_inactive", None, "Mark inactive: 3 changed")
    record(None, market.id, "mail.hard_bounce", customer, "Mail to c@x.org bounced")
    db.session.commit()
    html = signed_in(manager).get("/admin/audit-log/").get_data(as_text=True)
    cells = [
        re.sub(r"\s+", " ", cell).strip()
        for cell in re.findall(r'<td class="col-action">(.*?)</td>', html, re.S)
    ]
    assert sorted(cells) == [
        "Balance adjusted",
        "Bulk: marked inactive",
        "Mail bounced (hard)",
        "Signed in",  # the manager's own sign-in
    ]
    # The filter offers the actions by name.
    assert '["balance.adjusted", "Balance adjusted"]' in html
