"""Write the figures of the security battery into docs/security.md (run by make security-report)."""

import json
import sys
from pathlib import Path

START, END = "<!-- figures:start -->", "<!-- figures:end -->"


def render(report: dict) -> str:
    matrix, csrf = report["matrix"], report["csrf"]
    answers = ", ".join(f"{count} {answer}" for answer, count in matrix["answers"].items())
    unexpected = matrix["cells"] - matrix["as_expected"]
    refused = csrf["refused_without_token"]
    return "\n".join(
        [
            START,
            f"- Authorisation matrix: {matrix['endpoints']} endpoints × their methods × "
            f"{matrix['roles']} roles × the ids of both markets = **{matrix['cells']} cells**, "
            f"{matrix['as_expected']} answered as expected, "
            f"**{unexpected} unexpected** ({answers}). A leak would be "
            'an unexpected "allowed"; there are none. '
            f"{matrix.get('by_role_table', 0)} of the cells (the manager's and each staff "
            "role's, in their own market) are also checked against spec 002's table of "
            "screens and actions by URL.",
            f"- CSRF: **{refused}** state-changing endpoints refuse a request "
            f"without a token; exempt, because a signature authenticates them instead: "
            f"{', '.join(csrf['exempt'])}.",
            *_segregation(report.get("segregation")),
            END,
        ]
    )


def _segregation(cells: dict | None) -> list[str]:
    if not cells:
        return []
    refused, forbidden = cells.get("400", 0), cells.get("403", 0)
    return [
        f"- Segregation of duties: **{refused}** attempts by a manager or staff member to adjust "
        f"their own balance or points were refused with a message ({forbidden} more were 403: "
        f"the role lacks the permission); {cells.get('allowed', 0)} adjustments of a manager by "
        "another manager, a bookkeeper or a superuser went through."
    ]


def main(report_path: str, doc_path: str) -> None:
    report = json.loads(Path(report_path).read_text())
    doc = Path(doc_path).read_text()
    before, rest = doc.split(START, 1)
    after = rest.split(END, 1)[1]
    Path(doc_path).write_text(before + render(report) + after)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
