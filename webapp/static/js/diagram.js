// Progress diagram: bpmn-js viewer with completed / active / returned elements marked.
(function () {
  var el = document.getElementById('diagram');
  if (!el || !window.BpmnJS) { return; }
  var states = JSON.parse(el.getAttribute('data-states') || '{}');
  var viewer = new window.BpmnJS({ container: el });
  fetch(el.getAttribute('data-src'), { credentials: 'same-origin' })
    .then(function (r) { return r.text(); })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get('canvas');
      canvas.zoom('fit-viewport');
      Object.keys(states).forEach(function (id) {
        try { canvas.addMarker(id, 'st-' + states[id]); } catch (e) { /* element not drawn */ }
      });
      el.setAttribute('data-ready', '1');
    })
    .catch(function (err) { el.setAttribute('data-error', String(err)); });
})();
