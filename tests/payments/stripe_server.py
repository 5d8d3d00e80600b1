"""A local HTTP server that answers the few Stripe API calls lgadmin makes, in Stripe's JSON.

The real stripe library is pointed at it (STRIPE_API_BASE). It keeps customers,
card payment methods, SetupIntents and PaymentIntents in memory, honours
Idempotency-Key like Stripe (the first answer is replayed), and can decline a
card, ask for authentication, answer 500, or process a request and then drop
the connection (the answer is lost, as on a network failure).
"""

import itertools
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

_KEY = re.compile(r"([^\[\]]+)|\[([^\[\]]*)\]")


def nested(pairs) -> dict:
    """Stripe's form encoding (`a[b][0]=x`) back into dicts and lists."""
    result: dict = {}
    for key, value in pairs:
        parts = [m.group(1) or m.group(2) for m in _KEY.finditer(key)]
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(result)


def _lists(node):
    if isinstance(node, dict):
        if node and all(key.isdigit() for key in node):
            return [_lists(node[key]) for key in sorted(node, key=int)]
        return {key: _lists(value) for key, value in node.items()}
    return node


def stripe_error(kind: str, message: str, **extra) -> dict:
    return {"error": {"type": kind, "message": message, **extra}}


class FakeStripe:
    def __init__(self):
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.reset()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                fake._handle(self, "GET")

            def do_POST(self):
                fake._handle(self, "POST")

            def do_DELETE(self):
                fake._handle(self, "DELETE")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def reset(self):
        self.customers: dict[str, dict] = {}
        self.payment_methods: dict[str, dict] = {}
        self.behaviour: dict[str, str] = {}
        self.setup_intents: dict[str, dict] = {}
        self.payment_intents: dict[str, dict] = {}
        self.replies: dict[str, tuple[int, dict]] = {}
        self.requests: list[dict] = []
        self.drop_next = 0  # process, then close without answering
        self.fail_next = 0  # answer 500 without processing

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids)}"

    # Test helpers: what a shopper or Stripe itself would have done.
    def add_customer(self, **fields) -> str:
        customer_id = self.new_id("cus")
        self.customers[customer_id] = {
            "id": customer_id,
            "object": "customer",
            "email": fields.get("email"),
            "invoice_settings": {"default_payment_method": None},
            "metadata": {},
        }
        return customer_id

    def add_card(
        self,
        customer_id: str,
        last4="4242",
        brand="visa",
        exp_month=12,
        exp_year=2031,
        behaviour="succeed",
        default=False,
    ) -> str:
        pm_id = self.new_id("pm")
        self.payment_methods[pm_id] = payment_method_object(
            pm_id, customer_id, last4, brand, exp_month, exp_year, created=next(self._ids)
        )
        self.behaviour[pm_id] = behaviour
        if default:
            self.customers[customer_id]["invoice_settings"]["default_payment_method"] = pm_id
        return pm_id

    def confirm_setup_intent(self, setup_intent_id: str, **card) -> str:
        """What Stripe.js does in the browser: a card is attached and the intent succeeds."""
        intent = self.setup_intents[setup_intent_id]
        pm_id = self.add_card(intent["customer"], **card)
        intent.update(status="succeeded", payment_method=pm_id)
        return pm_id

    def posts_to(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST" and r["path"] == path]

    @property
    def charges(self) -> list[dict]:
        return [pi for pi in self.payment_intents.values() if pi["status"] == "succeeded"]

    # The HTTP side.
    def _handle(self, handler: BaseHTTPRequestHandler, method: str):
        url = urlsplit(handler.path)
        if method == "POST":
            length = int(handler.headers.get("Content-Length") or 0)
            params = nested(parse_qsl(handler.rfile.read(length).decode(), keep_blank_values=True))
        else:
            params = nested(parse_qsl(url.query, keep_blank_values=True))
        key = handler.headers.get("Idempotency-Key")
        request = {"method": method, "path": url.path, "params": params, "idempotency_key": key}
        with self._lock:
            self.requests.append(request)
            if self.fail_next:
                self.fail_next -= 1
                return self._send(handler, 500, stripe_error("api_error", "Something went wrong."))
            if method == "POST" and key in self.replies:
                status, body = self.replies[key]
                return self._send(handler, status, body, replayed=True)
            status, body = self._route(method, url.path, params)
            if method == "POST" and key:
                self.replies[key] = (status, body)
            if self.drop_next:
                self.drop_next -= 1
                handler.close_connection = True
                return None
            return self._send(handler, status, body)

    def _send(self, handler, status: int, body: dict, replayed: bool = False):
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("Request-Id", self.new_id("req"))
        if replayed:
            handler.send_header("Idempotent-Replayed", "true")
        handler.end_headers()
        handler.wfile.write(data)

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if parts[0] != "v1" or len(parts) < 2:
            return 404, stripe_error("invalid_request_error", f"Unrecognized request URL ({path}).")
        resource, object_id = parts[1], (parts[2] if len(parts) > 2 else None)
        handler = getattr(self, f"_{method.lower()}_{resource}", None)
        if handler is None:
            return 404, stripe_error("invalid_request_error", f"Unrecognized request URL ({path}).")
        return handler(object_id, params)

    def _missing(self, what: str, object_id: str) -> tuple[int, dict]:
        return 404, stripe_error(
            "invalid_request_error",
            f"No such {what}: '{object_id}'",
            code="resource_missing",
            param="id",
        )

    def _post_customers(self, customer_id, params):
        if customer_id is None:
            new_id = self.add_customer(email=params.get("email"))
            self.customers[new_id].update(name=params.get("name"), metadata=params.get("metadata"))
            return 200, self.customers[new_id]
        customer = self.customers.get(customer_id)
        if customer is None:
            return self._missing("customer", customer_id)
        settings = params.get("invoice_settings") or {}
        if "default_payment_method" in settings:
            customer["invoice_settings"]["default_payment_method"] = (
                settings["default_payment_method"] or None
            )
        return 200, customer

    def _delete_customers(self, customer_id, params):
        """Deleting a customer detaches its payment methods, as Stripe does."""
        if self.customers.pop(customer_id or "", None) is None:
            return self._missing("customer", customer_id)
        for pm in self.payment_methods.values():
            if pm.get("customer") == customer_id:
                pm["customer"] = None
        return 200, {"id": customer_id, "object": "customer", "deleted": True}

    def _get_customers(self, customer_id, params):
        customer = self.customers.get(customer_id or "")
        return (200, customer) if customer else self._missing("customer", customer_id)

    def _get_payment_methods(self, pm_id, params):
        if pm_id:
            pm = self.payment_methods.get(pm_id)
            return (200, pm) if pm else self._missing("payment_method", pm_id)
        mine = [
            pm
            for pm in self.payment_methods.values()
            if pm["customer"] == params.get("customer") and pm["type"] == params.get("type", "card")
        ]
        mine.sort(key=lambda pm: pm["created"], reverse=True)
        return 200, {
            "object": "list",
            "data": mine,
            "has_more": False,
            "url": "/v1/payment_methods",
        }

    def _post_setup_intents(self, intent_id, params):
        if intent_id is not None:
            return 404, stripe_error("invalid_request_error", "Not supported here.")
        if params.get("customer") not in self.customers:
            return self._missing("customer", params.get("customer"))
        new_id = self.new_id("seti")
        self.setup_intents[new_id] = {
            "id": new_id,
            "object": "setup_intent",
            "client_secret": f"{new_id}_secret_fake",
            "customer": params["customer"],
            "payment_method": None,
            "status": "requires_payment_method",
            "usage": params.get("usage"),
        }
        return 200, self.setup_intents[new_id]

    def _get_setup_intents(self, intent_id, params):
        intent = self.setup_intents.get(intent_id or "")
        return (200, intent) if intent else self._missing("setup_intent", intent_id)

    def _get_payment_intents(self, intent_id, params):
        intent = self.payment_intents.get(intent_id or "")
        return (200, intent) if intent else self._missing("payment_intent", intent_id)

    def _post_payment_intents(self, intent_id, params):
        if intent_id is not None:
            return 404, stripe_error("invalid_request_error", "Not supported here.")
        pm_id = params.get("payment_method")
        pm = self.payment_methods.get(pm_id or "")
        if pm is None or pm["customer"] != params.get("customer"):
            return self._missing("payment_method", pm_id)
        new_id = self.new_id("pi")
        intent = {
            "id": new_id,
            "object": "payment_intent",
            "amount": int(params["amount"]),
            "currency": params["currency"],
            "customer": params["customer"],
            "payment_method": pm_id,
            "metadata": params.get("metadata") or {},
            "status": "succeeded",
            "next_action": None,
            "last_payment_error": None,
        }
        self.payment_intents[new_id] = intent
        behaviour = self.behaviour.get(pm_id, "succeed")
        if behaviour == "decline":
            intent["status"] = "requires_payment_method"
            return 402, stripe_error(
                "card_error",
                "Your card has insufficient funds.",
                code="card_declined",
                decline_code="insufficient_funds",
                charge=self.new_id("ch"),
                doc_url="https://stripe.com/docs/error-codes/card-declined",
                payment_intent=intent,
                payment_method=pm,
            )
        if behaviour == "requires_action":
            intent["status"] = "requires_action"
            intent["next_action"] = {"type": "use_stripe_sdk", "use_stripe_sdk": {}}
        return 200, intent


def payment_method_object(
    pm_id, customer_id, last4="4242", brand="visa", exp_month=12, exp_year=2031, created=1
) -> dict:
    """A card PaymentMethod as Stripe sends it: never the full number or the CVC."""
    return {
        "id": pm_id,
        "object": "payment_method",
        "type": "card",
        "created": created,
        "customer": customer_id,
        "livemode": False,
        "billing_details": {"email": None, "name": "Test Shopper", "phone": None},
        "card": {
            "brand": brand,
            "last4": last4,
            "exp_month": exp_month,
            "exp_year": exp_year,
            "country": "US",
            "funding": "credit",
            "fingerprint": "Xt5EWLLDS7FJjR1c",
            "checks": {"cvc_check": "pass"},
        },
        "metadata": {},
    }
