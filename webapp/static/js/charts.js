// Dashboard charts: each <canvas data-chart="bar|doughnut|stacked" data-json='{...}'>; the numbers are also in a table.
(function () {
  if (!window.Chart) { return; }
  var palette = ['#1d3f72', '#b3261e', '#2e7d32', '#b26a00', '#5b7fb5', '#8a97a8', '#7b4f9d', '#00838f'];
  Chart.defaults.font.family = '"Noto Sans CJK SC", "Microsoft YaHei", sans-serif';
  Chart.defaults.animation = false;
  document.querySelectorAll('canvas[data-chart]').forEach(function (c) {
    var kind = c.getAttribute('data-chart');
    var d = JSON.parse(c.getAttribute('data-json'));
    var cfg;
    if (kind === 'stacked') {
      cfg = { type: 'bar', data: { labels: d.labels, datasets: Object.keys(d.series).map(function (k, i) {
        return { label: k, data: d.series[k], backgroundColor: palette[(i + 2) % palette.length], maxBarThickness: 48 }; }) },
        options: { maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } } };
    } else if (kind === 'doughnut') {
      cfg = { type: 'doughnut', data: { labels: d.labels, datasets: [{ data: d.values, backgroundColor: palette }] },
        options: { maintainAspectRatio: false, plugins: { legend: { position: 'right' } } } };
    } else {
      cfg = { type: 'bar', data: { labels: d.labels, datasets: [{ data: d.values, backgroundColor: palette[0], maxBarThickness: 48 }] },
        options: { maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } };
    }
    new Chart(c, cfg);
  });
})();
