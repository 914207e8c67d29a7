// Peidai process editor for administrators: bpmn-js modeler with bpmn-io's properties panel
// (bpmn-js-properties-panel) and Peidai's properties provider for what the engine reads
// (properties.js), and dmn-js for decision tables (the form designer is forms.js). Every save
// posts the file to the draft and shows the engine's validation; the elements it names are
// marked on the diagram. spiffworkflow.json describes SpiffWorkflow's extension elements to
// bpmn-moddle (the schema the engine parses; no npm package publishes it).
import BpmnModeler from 'bpmn-js/lib/Modeler';
import DmnModeler from 'dmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import spiffDescriptor from './spiffworkflow.json';
import { OPEN_GROUPS, PeidaiPropertiesModule, loopRefs } from './properties';
import { ZH_DMN, ZH_PANEL, translateModule } from './translations';
import { $, esc, renderProblems, saveFile } from './common';
import { textsEditor } from './texts';

// ------------------------------------------------------------------ BPMN

// SpiffWorkflow names the collection of a multi-instance task in loopDataInputRef /
// loopDataOutputRef as a plain variable name; BPMN (and so bpmn-moddle) expects a reference to
// a data element and drops it on export. The editor keeps them aside (properties.js loopRefs,
// edited in the panel), per element id, and writes them back into the saved XML in the
// schema's order.
const BPMN_NS = 'http://www.omg.org/spec/BPMN/20100524/MODEL';

function readLoopRefs(xml) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  Array.from(doc.getElementsByTagNameNS(BPMN_NS, 'multiInstanceLoopCharacteristics')).forEach(mi => {
    const owner = mi.parentNode.getAttribute('id');
    const text = name => { const el = mi.getElementsByTagNameNS(BPMN_NS, name)[0]; return el ? el.textContent.trim() : ''; };
    loopRefs[owner] = { input: text('loopDataInputRef'), output: text('loopDataOutputRef') };
  });
}

function writeLoopRefs(xml) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  Array.from(doc.getElementsByTagNameNS(BPMN_NS, 'multiInstanceLoopCharacteristics')).forEach(mi => {
    const refs = loopRefs[mi.parentNode.getAttribute('id')];
    if (!refs) return;
    ['loopDataInputRef', 'loopDataOutputRef'].forEach(name =>
      Array.from(mi.getElementsByTagNameNS(BPMN_NS, name)).forEach(el => el.remove()));
    const anchor = Array.from(mi.children).find(c => c.localName !== 'loopCardinality') || null;
    [['loopDataInputRef', refs.input], ['loopDataOutputRef', refs.output]].forEach(([name, value]) => {
      if (!value) return;
      const el = doc.createElementNS(BPMN_NS, (mi.prefix ? mi.prefix + ':' : '') + name);
      el.textContent = value;
      mi.insertBefore(el, anchor);
    });
  });
  return new XMLSerializer().serializeToString(doc);
}

function markProblems(modeler, problems, filename) {
  const canvas = modeler.get('canvas'), registry = modeler.get('elementRegistry'), overlays = modeler.get('overlays');
  overlays.remove({ type: 'peidai-problem' });
  registry.getAll().forEach(el => canvas.removeMarker(el, 'peidai-error'));
  problems.filter(p => p.element && (p.file === filename || p.file === '*') && p.severity === 'error').forEach(p => {
    const el = registry.get(p.element);
    if (!el) return;
    canvas.addMarker(el, 'peidai-error');
    overlays.add(el, 'peidai-problem', {
      position: { top: -10, right: 10 },
      html: `<div class="peidai-problem-badge" title="${esc(p.message)}">!</div>`
    });
  });
}

async function bpmnEditor(config) {
  $('#properties').innerHTML = '';
  const modeler = new BpmnModeler({
    container: '#canvas',
    keyboard: { bindTo: document },
    propertiesPanel: { parent: '#properties',
      layout: { groups: Object.fromEntries(OPEN_GROUPS.map(id => [id, { open: true }])) } },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, PeidaiPropertiesModule,
      translateModule(ZH_PANEL)],
    moddleExtensions: { spiffworkflow: spiffDescriptor },
    peidai: config
  });
  window.peidaiModeler = modeler;
  const xml = await (await fetch(config.fileUrl, { credentials: 'same-origin' })).text();
  readLoopRefs(xml);
  await modeler.importXML(xml);
  const canvas = modeler.get('canvas');
  canvas.zoom('fit-viewport');
  if (canvas.zoom() < 0.6) {  // a wide model: readable labels first, from its left edge
    const inner = canvas.viewbox().inner;
    canvas.zoom(0.6, { x: inner.x, y: inner.y });
  }
  const refresh = problems => {
    window.peidaiProblems = problems;
    markProblems(modeler, problems, config.filename);
    renderProblems(problems, config.filename, id => {
      const el = modeler.get('elementRegistry').get(id);
      if (el) { modeler.get('selection').select(el); modeler.get('canvas').scrollToElement(el); }
    });
  };
  let dirty = false;
  modeler.on('commandStack.changed', () => { dirty = true; $('#save-status').textContent = '有未保存的修改'; });
  window.addEventListener('beforeunload', e => { if (dirty) { e.preventDefault(); e.returnValue = ''; } });
  refresh(config.problems);
  $('#save').addEventListener('click', async () => {
    const { xml: out } = await modeler.saveXML({ format: true });
    refresh(await saveFile(config, writeLoopRefs(out)));
    dirty = false;
  });
  window.peidaiReady = true;
  document.documentElement.dataset.peidaiReady = '1';
}

// ------------------------------------------------------------------ DMN

async function dmnEditor(config) {
  const modeler = new DmnModeler({
    container: '#canvas',
    common: { keyboard: { bindTo: document } },
    drd: { additionalModules: [translateModule(ZH_DMN)] },
    decisionTable: { additionalModules: [translateModule(ZH_DMN)] },
    literalExpression: { additionalModules: [translateModule(ZH_DMN)] }
  });
  window.peidaiDmn = modeler;
  const xml = await (await fetch(config.fileUrl, { credentials: 'same-origin' })).text();
  await modeler.importXML(xml);
  const tabs = $('#dmn-views');
  const showViews = () => {
    const active = modeler.getActiveView();
    tabs.innerHTML = modeler.getViews().map((v, i) =>
      `<button type="button" class="tab${active && v.element === active.element ? ' on' : ''}" data-i="${i}">` +
      `${esc(v.type === 'drd' ? '决策需求图' : (v.element.name || v.element.id))}</button>`).join('');
    tabs.querySelectorAll('button').forEach(b => b.addEventListener('click', () => modeler.open(modeler.getViews()[+b.dataset.i])));
  };
  modeler.on('views.changed', showViews);
  const table = modeler.getViews().find(v => v.type === 'decisionTable');
  if (table) await modeler.open(table);
  showViews();
  renderProblems(config.problems, config.filename);
  $('#save').addEventListener('click', async () => {
    const { xml: out } = await modeler.saveXML({ format: true });
    renderProblems(await saveFile(config, out), config.filename);
  });
  window.peidaiReady = true;
  document.documentElement.dataset.peidaiReady = '1';
}

window.PeidaiEditor = {
  start(kind, config) {
    const run = { bpmn: bpmnEditor, dmn: dmnEditor, texts: textsEditor }[kind];
    run(config).catch(err => {
      $('#save-status').textContent = '加载失败：' + err.message;
      console.error(err);
    });
  }
};

const settings = document.getElementById('editor-config');
if (settings && settings.dataset.kind !== 'form') window.PeidaiEditor.start(settings.dataset.kind, JSON.parse(settings.textContent));
