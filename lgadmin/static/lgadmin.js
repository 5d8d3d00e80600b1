// Tooltips are attached on first hover, so a page of 1000 rows costs nothing up front.
(function ($) {
  if (!$ || !$.fn.tooltip) { return; }
  $(function () {
    $('body').tooltip({ selector: '[data-toggle="tooltip"]', container: 'body' });
    $('#lg-market-select').on('change', function () { this.form.submit(); });
  });
})(window.jQuery);
