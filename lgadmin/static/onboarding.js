// "Add Customers": open the window on a tab named by ?add=, send "One at a time" without
// leaving the window, and never send a form twice.
(function ($) {
  if (!$) { return; }
  $(function () {
    // The window is not in the grid page: the button fetches it the first time it is
    // pressed, then shows it; if that fails, the button's own link (the full page) opens.
    function openWindow(button, tab) {
      var selector = button.getAttribute('data-lg-window');
      var show = function () {
        if (tab && $('#lg-tab-' + tab).length) { $('#lg-tab-' + tab).tab('show'); }
        $(selector).modal('show');
      };
      if ($(selector).length) { show(); return; }
      if (button.getAttribute('data-lg-loading')) { return; }
      button.setAttribute('data-lg-loading', '1');
      fetch(button.getAttribute('data-lg-window-src'), {
        credentials: 'same-origin',
        headers: { 'X-Requested-With': 'XMLHttpRequest' }
      }).then(function (response) {
        if (!response.ok || response.headers.get('X-LGAdmin-Fragment') !== '1') { return null; }
        return response.text();
      }).then(function (html) {
        button.removeAttribute('data-lg-loading');
        if (html === null) { window.location.assign(button.href); return; }
        $('body').append(html);
        show();
      }).catch(function () {
        button.removeAttribute('data-lg-loading');
        window.location.assign(button.href);
      });
    }
    $(document).on('click', 'a[data-lg-window-src]', function (event) {
      if (!$.fn.modal || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
      event.preventDefault();
      openWindow(this, null);
    });
    var tab = new URLSearchParams(window.location.search).get('add');
    var opener = $('a[data-lg-window-src]').get(0);
    if (opener && tab) { openWindow(opener, tab); }
    $(document).on('shown.bs.modal', '#lg-add-customers', function () {
      $(this).find('.tab-pane.active').find('input:visible, textarea:visible').first().trigger('focus');
    });
    $(document).on('shown.bs.tab', '#lg-add-customers a[data-toggle="tab"]', function (event) {
      $($(event.target).attr('href')).find('input:visible, textarea:visible').first().trigger('focus');
    });

    $(document).on('submit', 'form[data-lg-ajax]', function (event) {
      event.preventDefault();
      var form = this;
      if (form.getAttribute('data-lg-busy')) { return; }
      form.setAttribute('data-lg-busy', '1');
      $(form).find('[type=submit]').prop('disabled', true);
      fetch(form.action, {
        method: 'POST',
        body: new FormData(form),
        credentials: 'same-origin',
        headers: { 'X-Requested-With': 'XMLHttpRequest' }
      }).then(function (response) {
        if (response.headers.get('X-LGAdmin-Fragment') !== '1') {
          window.location.assign(response.url);  // signed out meanwhile, or an error page
          return null;
        }
        return response.text();
      }).then(function (html) {
        if (html === null) { return; }
        var target = $(form.getAttribute('data-lg-ajax'));
        target.replaceWith(html);
        var fresh = $(form.getAttribute('data-lg-ajax'));
        var invalid = fresh.find('.is-invalid').first();
        (invalid.length ? invalid : fresh.find('input:visible').first()).trigger('focus');
      }).catch(function () {
        form.removeAttribute('data-lg-busy');
        $(form).find('[type=submit]').prop('disabled', false);
      });
    });

    // A double-click sends a form once; the server refuses a repeat as well.
    $(document).on('submit', 'form[data-lg-once]', function (event) {
      if (this.getAttribute('data-lg-sent')) {
        event.preventDefault();
        return;
      }
      this.setAttribute('data-lg-sent', '1');
      var buttons = $(this).find('[type=submit]');
      window.setTimeout(function () { buttons.prop('disabled', true); }, 0);
    });
    // Back to a page the browser kept: its forms may be sent again.
    window.addEventListener('pageshow', function (event) {
      if (!event.persisted) { return; }
      $('form[data-lg-sent]').removeAttr('data-lg-sent').find('[type=submit]').prop('disabled', false);
    });
  });
})(window.jQuery);
