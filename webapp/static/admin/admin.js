/* Process administration pages: a form with data-confirm asks before it is sent (no inline
   handlers: the Content-Security-Policy allows no inline script). */
document.addEventListener('submit', function (e) {
  var form = e.target;
  if (form && form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) e.preventDefault();
}, true);

/* Users page: role and scope pickers. A role's scope picker offers only its own kind of scope
   (units or expert categories); picking an existing user fills the form with what the user holds. */
(function () {
  var form = document.getElementById('user-form');
  if (!form) return;
  var rows = document.getElementById('membership-rows');
  var template = document.getElementById('membership-template');
  function sync(row) {
    var role = row.querySelector('select[name=role]');
    var scope = row.querySelector('select[name=scope]');
    var option = role.options[role.selectedIndex];
    var field = option ? option.getAttribute('data-scope-field') : '';
    scope.querySelectorAll('optgroup').forEach(function (g) { g.hidden = g.getAttribute('data-field') !== field; g.disabled = g.hidden; });
    var chosen = scope.options[scope.selectedIndex];
    if (chosen && chosen.parentNode.tagName === 'OPTGROUP' && chosen.parentNode.disabled) scope.value = '';
    scope.disabled = !field;
  }
  function addRow(role, scopeValue) {
    var row = template.content.firstElementChild.cloneNode(true);
    rows.appendChild(row);
    row.querySelector('select[name=role]').value = role || '';
    sync(row);
    row.querySelector('select[name=scope]').value = scopeValue || '';
    return row;
  }
  rows.querySelectorAll('.membership-row').forEach(sync);
  rows.addEventListener('change', function (e) { if (e.target.name === 'role') sync(e.target.closest('.membership-row')); });
  rows.addEventListener('click', function (e) {
    if (!e.target.classList.contains('remove-membership')) return;
    e.target.closest('.membership-row').remove();
    if (!rows.children.length) addRow();
  });
  document.getElementById('add-membership').addEventListener('click', function () { addRow(); });
  document.getElementById('pick-user').addEventListener('change', function (e) {
    var option = e.target.options[e.target.selectedIndex];
    document.getElementById('user-username').value = option.value;
    document.getElementById('user-name').value = option.value ? option.getAttribute('data-name') : '';
    rows.innerHTML = '';
    (option.value ? JSON.parse(option.getAttribute('data-memberships')) : []).forEach(function (m) { addRow(m[0], m[1]); });
    if (!rows.children.length) addRow();
  });
  // a disabled select is not sent: keep the scope column aligned with the role column
  form.addEventListener('submit', function () {
    rows.querySelectorAll('select[name=scope]').forEach(function (s) { s.disabled = false; });
  });
})();
