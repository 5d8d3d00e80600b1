// The grid's bulk actions: select rows, pick an action, confirm with the count.
// No inline handlers (the script policy forbids them): the markup carries data- attributes.
(function () {
  var form = document.getElementById('lg-bulk-form');
  if (!form) { return; }
  var selectAll = document.querySelector('input.lg-select-all');
  var label = form.querySelector('.lg-selected-count');

  function rows() { return document.querySelectorAll('input.lg-row-check'); }

  function selectedCount() {
    var n = 0;
    Array.prototype.forEach.call(rows(), function (box) { if (box.checked) { n += 1; } });
    return n;
  }

  function customers(n) { return n + (n === 1 ? ' customer' : ' customers'); }

  function refresh() {
    var n = selectedCount();
    var total = rows().length;
    label.textContent = n + ' selected';
    if (selectAll) {
      selectAll.checked = total > 0 && n === total;
      selectAll.indeterminate = n > 0 && n < total;
    }
  }

  document.addEventListener('change', function (event) {
    var target = event.target;
    if (target === selectAll) {
      Array.prototype.forEach.call(rows(), function (box) { box.checked = selectAll.checked; });
    }
    if (target === selectAll || (target.classList && target.classList.contains('lg-row-check'))) {
      refresh();
    }
  });

  form.addEventListener('click', function (event) {
    var button = event.target.closest ? event.target.closest('button.lg-bulk-action') : null;
    if (!button) { return; }
    var n = selectedCount();
    if (n === 0) {
      event.preventDefault();
      window.alert(form.getAttribute('data-none'));
      return;
    }
    var message = (button.getAttribute('data-confirm-template') || '').replace('{count}', customers(n));
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });

  // A page restored from the back-forward cache keeps its ticks: show their count.
  window.addEventListener('pageshow', refresh);
  refresh();
})();
