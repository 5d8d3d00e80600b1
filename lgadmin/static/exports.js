// An export's page: polls the export's status until it is finished, moving the progress bar,
// then shows the download link (or the failure). Without JavaScript the page says to reload.
(function () {
  var box = document.getElementById('lg-export');
  if (!box || box.dataset.finished === 'yes') { return; }
  var bar = document.getElementById('lg-export-bar');
  var status = document.getElementById('lg-export-status');
  var error = document.getElementById('lg-export-error');
  var ready = document.getElementById('lg-export-ready');
  var link = document.getElementById('lg-export-download');
  var expires = document.getElementById('lg-export-expires');
  var delay = 1000;

  function number(n) { return (n || 0).toLocaleString('en-US'); }

  function show(state) {
    bar.style.width = state.percent + '%';
    bar.setAttribute('aria-valuenow', state.percent);
    bar.textContent = state.percent + '%';
    var text = state.label;
    if (state.total !== null && state.total !== undefined) {
      text += ': ' + number(state.rows) + ' of ' + number(state.total) + ' rows';
    }
    status.textContent = '';
    var strong = document.createElement('strong');
    strong.textContent = text;
    status.appendChild(strong);
    if (state.error) {
      error.textContent = state.error;
      error.hidden = false;
      bar.classList.add('bg-danger');
    }
    if (state.download_url) {
      link.href = state.download_url;
      expires.textContent = state.expires ? 'Kept until ' + state.expires + '.' : '';
      ready.hidden = false;
      bar.classList.add('bg-success');
    }
  }

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) { throw new Error('status ' + response.status); }
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (!state.finished) { window.setTimeout(poll, delay); }
      })
      .catch(function () {
        // The server or the network is away for a moment: ask again, less often.
        delay = Math.min(delay * 2, 15000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
}());
