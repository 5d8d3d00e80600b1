"""The one way a webhook reads its body: bounded in size before it is read, and in nesting
before anything walks it, so a hostile sender gets a 413 or a 400 with a reason, never a 500.

Every webhook (the mail providers' and Stripe's) calls read_webhook_json; none reads
request.data or request.get_json itself.
"""

import json

from flask import Request

MAX_BODY_BYTES = 1024 * 1024  # the providers' reports are a few kB; a bounce dump fits in 1 MB
MAX_DEPTH = 64  # the providers' own payloads nest 6 levels at most


class BodyRefused(Exception):
    """The body is refused with `status` (413 or 400) and a message for the sender."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def read_webhook_json(request: Request) -> tuple[str, object]:
    """(the body as sent, and its JSON): at most MAX_BODY_BYTES, nested at most MAX_DEPTH.

    The declared length is checked before a byte is read, and the stream is read no further
    than the limit, so a body without a length (chunked) can't grow past it either.
    """
    too_big = BodyRefused(413, f"The body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB.")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise too_big
    if request.mimetype != "application/json":
        raise BodyRefused(400, "The body must be JSON (Content-Type: application/json).")
    body = request.stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise too_big
    try:
        text = body.decode("utf-8")
        payload = json.loads(text)
    except RecursionError:
        raise BodyRefused(400, _too_deep()) from None
    except (UnicodeDecodeError, ValueError):
        raise BodyRefused(400, "The body is not valid JSON.") from None
    if _depth_exceeds(payload, MAX_DEPTH):
        raise BodyRefused(400, _too_deep())
    return text, payload


def _too_deep() -> str:
    return f"The JSON is nested more than {MAX_DEPTH} levels deep."


def _depth_exceeds(value, limit: int) -> bool:
    """Walked without recursion, so what follows (hashing, storing) never meets a value
    deeper than Python's recursion limit."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
