// Tooltips are attached on first hover, so a page of 1000 rows costs nothing up front.
(function ($) {
  if (!$ || !$.fn.tooltip) { return; }
  $(function () {
    $('body').tooltip({ selector: '[data-toggle="tooltip"]', container: 'body' });
    // Escape hides an open tooltip without moving the mouse or the focus (WCAG 1.4.13).
    $(document).on('keydown', function (event) {
      if (event.key !== 'Escape') { return; }
      $('[data-toggle="tooltip"]').each(function () {
        var tip = $(this).data('bs.tooltip');
        if (tip && tip.getTipElement && $(tip.getTipElement()).hasClass('show')) { tip.hide(); }
      });
    });
    // A dialog gives the focus back to what opened it when it closes, however it was
    // opened (Bootstrap only does so for its own data-toggle="modal" buttons).
    $(document).on('show.bs.modal', '.modal', function () {
      var opener = document.activeElement;
      if (opener && opener !== document.body && !$.contains(this, opener)) {
        $(this).data('lg-opener', opener);
      }
    });
    // Once open, the dialog's first field has the cursor (Bootstrap focuses the dialog box).
    $(document).on('shown.bs.modal', '.modal', function () {
      var focused = document.activeElement;
      if (focused !== this && $.contains(this, focused)) { return; }
      $(this).find('.modal-body').find('input:visible, textarea:visible, select:visible').first().trigger('focus');
    });
    $(document).on('hidden.bs.modal', '.modal', function () {
      var opener = $(this).data('lg-opener');
      $(this).removeData('lg-opener');
      if (opener && document.body.contains(opener) && $(opener).is(':visible')) { opener.focus(); }
    });
    $('#lg-market-select').on('change', function () { this.form.submit(); });
    // Our dialogs open here: Flask-Admin's own data-toggle="modal" handler would try to
    // load a remote page into them.
    $(document).on('click', '[data-lg-open]', function () {
      $(this.getAttribute('data-lg-open')).modal('show');
    });
    // "Act as" opens the page's dialog for that customer; without JavaScript it is a plain link.
    $(document).on('click', 'a.lg-act-as', function (event) {
      var $modal = $('#lg-act-as-modal');
      if (!$modal.length || !$.fn.modal) { return; }
      event.preventDefault();
      $modal.find('form').attr('action', this.getAttribute('href'));
      $modal.find('.lg-act-as-name').text(this.getAttribute('data-name'));
      $modal.find('textarea').val('');
      $modal.modal('show');
    });
  });
})(window.jQuery);

// The act-as banner counts down the minutes left.
(function () {
  var banner = document.querySelector('[data-act-as-seconds]');
  if (!banner) { return; }
  var ends = Date.now() + 1000 * parseInt(banner.getAttribute('data-act-as-seconds'), 10);
  var label = banner.querySelector('.lg-act-as-left');
  setInterval(function () {
    var minutes = Math.max(0, Math.ceil((ends - Date.now()) / 60000));
    label.textContent = minutes + (minutes === 1 ? ' minute' : ' minutes') + ' left';
    if (ends <= Date.now()) { window.location.reload(); }
  }, 15000);
})();

// Forms that ask first (data-confirm), without inline handlers the page's script policy forbids.
document.addEventListener('submit', function (event) {
  var message = event.target.getAttribute && event.target.getAttribute('data-confirm');
  if (message && !window.confirm(message)) { event.preventDefault(); }
}, true);

// A picker that reloads the page for its choice (the campaign's segment), without inline handlers.
document.addEventListener('change', function (event) {
  var select = event.target;
  if (!select.hasAttribute || !select.hasAttribute('data-lg-navigate')) { return; }
  window.location = '?' + encodeURIComponent(select.name) + '=' + encodeURIComponent(select.value);
});

// The metrics cards load after the grid's rows, so they never slow the list down.
// "Hide metrics" folds them away (more rows on the screen) and this browser remembers it;
// folded cards are not even loaded.
(function () {
  var box = document.getElementById('lg-metrics');
  if (!box || !window.fetch) { return; }
  var KEY = 'lgadmin.metrics.folded';
  var toggle = document.querySelector('.lg-metrics-toggle');
  var loaded = false;

  function remembered() {
    try { return window.localStorage.getItem(KEY) === '1'; } catch (e) { return false; }
  }
  function remember(folded) {
    try { window.localStorage.setItem(KEY, folded ? '1' : '0'); } catch (e) { /* private mode */ }
  }
  function load() {
    if (loaded) { return; }
    loaded = true;
    fetch(box.getAttribute('data-src'), { credentials: 'same-origin' })
      .then(function (response) { return response.ok ? response.text() : ''; })
      .then(function (html) { if (html) { box.innerHTML = html; } });
  }
  function show(folded) {
    box.hidden = folded;
    if (toggle) {
      toggle.setAttribute('aria-expanded', folded ? 'false' : 'true');
      toggle.querySelector('.lg-metrics-toggle-label').textContent = folded ? 'Show metrics' : 'Hide metrics';
    }
    if (!folded) { load(); }
  }

  show(remembered());
  if (toggle) {
    toggle.hidden = false;
    toggle.addEventListener('click', function () {
      var folded = !box.hidden;
      remember(folded);
      show(folded);
    });
  }
})();

// A refused form comes back with its error summary: the focus goes there, so a keyboard or
// screen-reader user hears what went wrong and can follow its links to the fields.
(function () {
  var summary = document.querySelector('.lg-error-summary');
  if (!summary) { return; }
  summary.focus();
  summary.scrollIntoView({ block: 'center' });
  // A link of the summary puts the cursor in its field (a plain #anchor only scrolls there).
  summary.addEventListener('click', function (event) {
    var link = event.target.closest('a[href^="#"]');
    var field = link && document.getElementById(link.getAttribute('href').slice(1));
    if (!field) { return; }
    event.preventDefault();
    field.focus();
  });
})();
