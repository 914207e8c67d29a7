// Every page: the menu button below 900 px, confirmations of buttons that end something
// (data-confirm), a task form saved before its upload link is followed, the first error of a
// refused form brought into view, and the size check of files before an upload starts.
(function () {
  'use strict';

  function ready(fn) {
    if (document.readyState !== 'loading') { fn(); } else { document.addEventListener('DOMContentLoaded', fn); }
  }

  ready(function () {
    // ---- the menu (side navigation as a drawer on narrow screens)
    var button = document.getElementById('menu-button');
    var nav = document.getElementById('sidenav');
    var backdrop = document.getElementById('nav-backdrop');
    function setOpen(open) {
      document.body.classList.toggle('nav-open', open);
      if (button) { button.setAttribute('aria-expanded', open ? 'true' : 'false'); }
      if (backdrop) { backdrop.hidden = !open; }
      if (open && nav) {
        var first = nav.querySelector('a');
        if (first) { first.focus(); }
      }
    }
    if (button && nav) {
      button.addEventListener('click', function () { setOpen(!document.body.classList.contains('nav-open')); });
      if (backdrop) { backdrop.addEventListener('click', function () { setOpen(false); }); }
      document.addEventListener('keydown', function (e) {
        if (e.key === 'Escape' && document.body.classList.contains('nav-open')) { setOpen(false); button.focus(); }
      });
    }

    // ---- buttons that end something ask first
    document.addEventListener('click', function (e) {
      var target = e.target.closest ? e.target.closest('[data-confirm]') : null;
      if (target && !window.confirm(target.getAttribute('data-confirm'))) { e.preventDefault(); }
    });

    // ---- a link that leaves a half-filled task form (data-save-draft: 证书复印件) keeps what was
    // typed: the form is saved as 暂存 first and the server then goes on to the link
    var taskForm = document.querySelector('form.schema-form');
    if (taskForm) {
      var dirty = false;
      taskForm.addEventListener('input', function () { dirty = true; });
      taskForm.addEventListener('change', function () { dirty = true; });
      document.addEventListener('click', function (e) {
        var link = e.target.closest ? e.target.closest('a[data-save-draft]') : null;
        var save = taskForm.querySelector('button[name=_action][value=_draft]');
        if (!link || !dirty || !save || e.defaultPrevented || e.ctrlKey || e.metaKey || e.shiftKey) { return; }
        e.preventDefault();
        var next = taskForm.querySelector('input[name=_next]') || document.createElement('input');
        next.type = 'hidden';
        next.name = '_next';
        next.value = link.getAttribute('href');
        taskForm.appendChild(next);
        dirty = false;
        if (taskForm.requestSubmit) { taskForm.requestSubmit(save); } else { save.click(); }
      });
    }

    // ---- a refused form comes back with its errors marked: on a long page (a review, ~2,500 px on
    // a phone) the first one is brought into view and its input focused, not left below the fold
    var firstError = document.querySelector('main .has-error, main .form-error, main .field-error:not(.upload-error)');
    if (firstError) {
      var row = firstError.closest ? (firstError.closest('.has-error, .form-row') || firstError) : firstError;
      var input = row.querySelector('input:not([type=hidden]), select, textarea');
      var box = row.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) {
        row.scrollIntoView({block: 'center'});
      }
      if (input && input.focus) {
        try { input.focus({preventScroll: true}); } catch (err) { input.focus(); }
      }
    }

    // ---- files larger than the server takes are refused here, before the upload starts
    var meta = document.querySelector('meta[name="upload-max-bytes"]');
    var max = meta ? parseInt(meta.getAttribute('content'), 10) : 0;
    var template = meta ? meta.getAttribute('data-message') : '';
    function mb(n) { return (n / 1048576).toFixed(n < 10485760 ? 1 : 0); }
    function tooLarge(input) {
      var limit = parseInt(input.getAttribute('data-max-bytes') || '', 10) || max;
      if (!limit || !input.files) { return null; }
      for (var i = 0; i < input.files.length; i++) {
        var f = input.files[i];
        if (f.size > limit) {
          return template.replace('{name}', f.name).replace('{size}', mb(f.size)).replace('{max}', mb(limit));
        }
      }
      return null;
    }
    function show(input, message) {
      var box = input.parentNode.querySelector('.upload-error');
      if (!box) {
        box = document.createElement('div');
        box.className = 'field-error upload-error';
        box.setAttribute('role', 'alert');
        input.parentNode.appendChild(box);
      }
      box.textContent = message || '';
      box.hidden = !message;
    }
    document.querySelectorAll('input[type=file]').forEach(function (input) {
      input.addEventListener('change', function () {
        var message = tooLarge(input);
        show(input, message);
        if (message) { input.value = ''; }
      });
    });
    document.addEventListener('submit', function (e) {
      var inputs = e.target.querySelectorAll ? e.target.querySelectorAll('input[type=file]') : [];
      for (var i = 0; i < inputs.length; i++) {
        var message = tooLarge(inputs[i]);
        if (message) { e.preventDefault(); show(inputs[i], message); inputs[i].focus(); return; }
      }
    }, true);
  });
})();
