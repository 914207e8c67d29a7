/* Process administration pages: a form with data-confirm asks before it is sent (no inline
   handlers: the Content-Security-Policy allows no inline script). */
document.addEventListener('submit', function (e) {
  var form = e.target;
  if (form && form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) e.preventDefault();
}, true);
