// Progress diagram: bpmn-js viewer with completed / active / returned elements marked; fit, zoom,
// reset and "current step" buttons (drag to pan, Ctrl + wheel to zoom); the current step is centred.
(function () {
  var el = document.getElementById('diagram');
  if (!el || !window.BpmnJS) { return; }
  var states = JSON.parse(el.getAttribute('data-states') || '{}');
  var viewer = new window.BpmnJS({ container: el });
  var canvas = null;

  function active() {
    var registry = viewer.get('elementRegistry');
    return Object.keys(states).filter(function (id) { return states[id] === 'active'; })
      .map(function (id) { return registry.get(id); }).filter(Boolean);
  }

  function centre(elements, zoom) {
    if (!elements.length) { canvas.zoom('fit-viewport', 'auto'); return; }
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    elements.forEach(function (e) {
      minX = Math.min(minX, e.x); minY = Math.min(minY, e.y);
      maxX = Math.max(maxX, e.x + (e.width || 0)); maxY = Math.max(maxY, e.y + (e.height || 0));
    });
    var box = canvas.viewbox();
    var scale = zoom || Math.min(1, box.outer.width / ((maxX - minX) + 240), box.outer.height / ((maxY - minY) + 160));
    scale = Math.max(0.2, scale);
    var w = box.outer.width / scale, h = box.outer.height / scale;
    canvas.viewbox({ x: (minX + maxX) / 2 - w / 2, y: (minY + maxY) / 2 - h / 2, width: w, height: h });
  }

  var actions = {
    fit: function () { canvas.zoom('fit-viewport', 'auto'); },
    current: function () { centre(active()); },
    'in': function () { canvas.zoom(canvas.zoom() * 1.25); },
    out: function () { canvas.zoom(canvas.zoom() / 1.25); },
    reset: function () { centre(active(), 1); }
  };

  fetch(el.getAttribute('data-src'), { credentials: 'same-origin' })
    .then(function (r) { return r.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      canvas = viewer.get('canvas');
      Object.keys(states).forEach(function (id) {
        try { canvas.addMarker(id, 'st-' + states[id]); } catch (e) { /* element not drawn */ }
      });
      canvas.zoom('fit-viewport', 'auto');
      var current = active();
      // a large process shrinks below reading size when fitted: show the current step instead
      if (current.length && canvas.zoom() < 0.6) { centre(current, 0.8); }
      document.querySelectorAll('[data-diagram]').forEach(function (button) {
        button.addEventListener('click', function () { actions[button.getAttribute('data-diagram')](); });
      });
      el.setAttribute('data-ready', '1');
    })
    .catch(function (err) { el.setAttribute('data-error', String(err)); });
})();
