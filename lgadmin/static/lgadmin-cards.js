// "Save a card" on the shopper's account page. Stripe.js is loaded only here,
// and only when payments are on; if it cannot load (no network, blocked), the
// form says payments are unavailable instead of breaking the page.
(function () {
  var form = document.getElementById('lg-save-card');
  if (!form) { return; }
  var status = document.getElementById('lg-card-status');
  var button = document.getElementById('lg-save-card-button');
  var mount = document.getElementById('lg-card-element');
  var UNAVAILABLE = 'Payments are unavailable right now: the card form could not load. Please try again later.';
  var settled = false;

  function say(text, isError) {
    status.textContent = text;
    status.className = 'small ' + (isError ? 'text-danger' : 'text-muted');
  }

  function unavailable() {
    if (settled) { return; }
    settled = true;
    button.disabled = true;
    mount.hidden = true;
    say(UNAVAILABLE, true);
  }

  function post(url, data) {
    var body = new URLSearchParams(data || {});
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-CSRFToken': form.dataset.csrfToken },
      body: body
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) { throw new Error(json.error || 'The card could not be saved. Please try again.'); }
        return json;
      });
    });
  }

  function ready() {
    if (settled) { return; }
    if (typeof window.Stripe !== 'function') { unavailable(); return; }
    settled = true;
    var stripe = window.Stripe(form.dataset.publishableKey);
    var card = stripe.elements().create('card', { hidePostalCode: false });
    mount.hidden = false;
    card.mount(mount);
    button.disabled = false;
    say('Your card number goes straight to Stripe; this market never sees it.', false);

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      button.disabled = true;
      say('Saving…', false);
      post(form.dataset.setupUrl)
        .then(function (json) {
          return stripe.confirmCardSetup(json.client_secret, { payment_method: { card: card } });
        })
        .then(function (result) {
          if (result.error) { throw new Error(result.error.message); }
          return post(form.dataset.savedUrl, { setup_intent: result.setupIntent.id });
        })
        .then(function () { window.location.reload(); })
        .catch(function (error) {
          button.disabled = false;
          say(error.message, true);
        });
    });
  }

  var script = document.createElement('script');
  script.src = form.dataset.stripeJs;
  script.async = true;
  script.onload = ready;
  script.onerror = unavailable;
  document.head.appendChild(script);
  // A network that swallows the request gives no error event: stop waiting after a while.
  window.setTimeout(unavailable, 10000);
})();
