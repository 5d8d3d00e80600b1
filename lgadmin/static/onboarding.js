// "Add Customers": open the window on a tab named by ?add=, send "One at a time" without
// leaving the window, and never send a form twice.
(function ($) {
  if (!$) { return; }
  $(function () {
    var modal = $('#lg-add-customers');
    var tab = new URLSearchParams(window.location.search).get('add');
    if (modal.length && tab && $('#lg-tab-' + tab).length) {
      $('#lg-tab-' + tab).tab('show');
      modal.modal('show');
    }
    modal.on('shown.bs.modal', function () {
      modal.find('.tab-pane.active').find('input:visible, textarea:visible').first().trigger('focus');
    });
    $('a[data-toggle="tab"]', modal).on('shown.bs.tab', function (event) {
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
