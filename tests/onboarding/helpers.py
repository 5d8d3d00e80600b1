"""What the onboarding tests share: the outbox as a mailbox, links in mail, form posts."""

import email
import email.policy
import re
from pathlib import Path

from tests.conftest import csrf_token_from


class Mailbox:
    """The .eml files the outbox gained since the test began, oldest first."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.seen = set(folder.glob("*.eml")) if folder.exists() else set()

    def messages(self):
        files = sorted(set(self.folder.glob("*.eml")) - self.seen) if self.folder.exists() else []
        return [
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files
        ]

    def to(self, address: str):
        return [m for m in self.messages() if address in m["To"]]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def link_in(message, path_part: str) -> str:
    match = re.search(
        r"https?://[^\s\"<>]*" + re.escape(path_part) + r"[^\s\"<>]*", text_of(message)
    )
    assert match, f"no link with {path_part} in:\n{text_of(message)}"
    return match.group(0)


def local_path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def post_form(client, page_path: str, data: dict, *, post_path: str | None = None, **kwargs):
    """GET the page for its CSRF token, then POST `data` (to `post_path`, or the same page)."""
    token = csrf_token_from(client.get(page_path).get_data(as_text=True))
    return client.post(post_path or page_path, data={"csrf_token": token, **data}, **kwargs)


def visible_text(html: str) -> str:
    """The page's text, tags removed and spaces collapsed (entities left as they are)."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return re.sub(r" ([.,;:)])", r"\1", text).replace("( ", "(").strip()
