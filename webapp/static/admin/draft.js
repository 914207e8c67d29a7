/* The draft page: the dry-run form shows the fields of the chosen mode, and a dry run that the
   worker runs shows its progress until it ends (then the page reloads with the report). */
(function () {
  var mode = document.getElementById('dry-run-mode');
  function toggle() {
    var programme = mode && mode.value === 'programme';
    document.querySelectorAll('.dry-run-form .generic-only').forEach(function (el) { el.hidden = programme; });
    document.querySelectorAll('.dry-run-form .programme-only').forEach(function (el) { el.hidden = !programme; });
    var count = document.querySelector('.dry-run-form input[name=count]');
    if (count) { count.max = programme ? 100000 : 200; if (programme && +count.value < 10) count.value = 100; }
  }
  if (mode) { mode.addEventListener('change', toggle); toggle(); }

  var job = document.getElementById('dry-run-job');
  if (!job || (job.dataset.status !== 'queued' && job.dataset.status !== 'running')) return;
  function poll() {
    fetch(job.dataset.url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        job.dataset.status = j.status;
        document.getElementById('job-status').textContent = j.status_label;
        document.getElementById('job-phase').textContent = j.phase;
        document.getElementById('job-count').textContent = '已填报 ' + j.done + ' / ' + j.total;
        document.getElementById('job-percent').textContent = j.percent + '%';
        document.getElementById('job-bar').style.width = j.percent + '%';
        job.querySelector('.progress').setAttribute('aria-valuenow', j.percent);
        if (j.active) { setTimeout(poll, 1500); } else { location.reload(); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
