// The "Adjust Loyalty Points" dialog: one dialog for every grid row, pointed at the row's customer.
(function ($) {
  $(document).on('click', '.lg-adjust-points', function () {
    var button = $(this), dialog = $('#lg-loyalty');
    var hasLoyalty = String(button.data('has-loyalty')) === '1';
    dialog.find('form').attr('action', button.data('url'));
    dialog.find('.lg-loyalty-name').text(button.data('name'));
    dialog.find('.lg-no-loyalty').toggleClass('d-none', hasLoyalty);
    dialog.find('.lg-loyalty-form').toggleClass('d-none', !hasLoyalty);
  });
  $(function () {
    // A refused adjustment comes back with the dialog's errors: show it open again.
    if ($('#lg-loyalty .is-invalid').length) { $('#lg-loyalty').modal('show'); }
  });
})(jQuery);
