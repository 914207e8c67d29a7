// Peidai process editor for administrators: bpmn-js modeler with a small properties panel for
// what the engine reads, and dmn-js for decision tables (the form designer is forms.js). Every
// save posts the file to the draft and shows the engine's validation; the elements it names are
// marked on the diagram.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import DmnModeler from 'dmn-js/lib/Modeler';
import spiffDescriptor from './spiffworkflow.json';
import { ZH, ZH_DMN, translateModule } from './translations';
import { $, esc, renderProblems, saveFile } from './common';

// ------------------------------------------------------------------ BPMN

// SpiffWorkflow names the collection of a multi-instance task in loopDataInputRef /
// loopDataOutputRef as a plain variable name; BPMN (and so bpmn-moddle) expects a reference to
// a data element and drops it on export. The editor keeps them aside, per element id, and
// writes them back into the saved XML in the schema's order.
const BPMN_NS = 'http://www.omg.org/spec/BPMN/20100524/MODEL';
const loopRefs = {};

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

function extensionOf(bo, type) {
  const ext = bo.extensionElements;
  return ext ? (ext.get('values') || []).find(v => v.$type === type) : undefined;
}

function propsOf(bo) {
  const out = {};
  const props = extensionOf(bo, 'spiffworkflow:Properties');
  (props ? props.get('properties') : []).forEach(p => { out[p.name] = p.value; });
  return out;
}

function ensureExtension(modeler, element, type, attrs) {
  const moddle = modeler.get('moddle');
  const bo = element.businessObject;
  let ext = bo.extensionElements;
  if (!ext) {
    ext = moddle.create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    modeler.get('modeling').updateProperties(element, { extensionElements: ext });
  }
  let item = ext.get('values').find(v => v.$type === type);
  if (!item) {
    item = moddle.create(type, attrs || {});
    item.$parent = ext;
    ext.get('values').push(item);
  }
  return item;
}

function setProperty(modeler, element, name, value) {
  const moddle = modeler.get('moddle');
  const props = ensureExtension(modeler, element, 'spiffworkflow:Properties', { properties: [] });
  const list = props.get('properties');
  let p = list.find(x => x.name === name);
  if (value) {
    if (!p) { p = moddle.create('spiffworkflow:Property', { name }); p.$parent = props; list.push(p); }
    p.value = value;
  } else if (p) {
    list.splice(list.indexOf(p), 1);
  }
  modeler.get('modeling').updateProperties(element, { extensionElements: element.businessObject.extensionElements });
}

function field(label, html, hint) {
  return `<label class="pp-field"><span>${esc(label)}</span>${html}${hint ? `<small class="hint">${esc(hint)}</small>` : ''}</label>`;
}

function options(values, current, blank) {
  return (blank ? `<option value="">${esc(blank)}</option>` : '') +
    values.map(v => {
      const [value, label] = Array.isArray(v) ? v : [v, v];
      return `<option value="${esc(value)}" ${value === current ? 'selected' : ''}>${esc(label)}</option>`;
    }).join('');
}

// a literal date and time in a timer, read in China time (the site's time zone)
function chinaTime(expression) {
  const m = /^\s*['"](\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(Z|[+-]\d{2}:?\d{2})?['"]\s*$/.exec(expression || '');
  if (!m) return '';
  if (!m[2]) return '未写时区：请在时间后写明 +08:00（北京时间）';
  const when = new Date(m[1] + m[2]);
  if (isNaN(when)) return '';
  return '即北京时间 ' + when.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false,
    year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

const TYPE_LABELS = {
  'bpmn:UserTask': '用户任务', 'bpmn:ManualTask': '手工任务', 'bpmn:ServiceTask': '服务任务', 'bpmn:ScriptTask': '脚本任务',
  'bpmn:BusinessRuleTask': '业务规则任务', 'bpmn:Lane': '泳道', 'bpmn:SequenceFlow': '顺序流', 'bpmn:ExclusiveGateway': '排他网关',
  'bpmn:ParallelGateway': '并行网关', 'bpmn:InclusiveGateway': '包容网关', 'bpmn:StartEvent': '开始事件', 'bpmn:EndEvent': '结束事件',
  'bpmn:IntermediateCatchEvent': '中间事件', 'bpmn:BoundaryEvent': '边界事件', 'bpmn:CallActivity': '调用活动',
  'bpmn:SubProcess': '子流程', 'bpmn:Participant': '池', 'bpmn:Task': '任务', 'bpmn:Process': '流程'
};

function renderPanel(modeler, config, element) {
  const panel = $('#properties');
  if (!element) { panel.innerHTML = '<p class="muted">选择一个元素以编辑其属性</p>'; return; }
  const bo = element.businessObject;
  const type = bo.$type;
  const modeling = modeler.get('modeling');
  const moddle = modeler.get('moddle');
  let html = `<h3>${esc(TYPE_LABELS[type] || type)}</h3><div class="pp-id">ID：<code>${esc(bo.id)}</code></div>`;
  html += field('名称', `<input id="pp-name" value="${esc(bo.name || '')}">`);
  const binders = [];
  binders.push(['#pp-name', 'change', e => modeling.updateLabel(element, e.target.value)]);

  if (type === 'bpmn:Lane') {
    const roles = config.roles.map(r => [r.label, `${r.label}（${r.key}）`]);
    const known = config.roles.some(r => r.label === bo.name || r.key === bo.name);
    html += field('角色', `<select id="pp-role">${options(roles, known ? (config.roles.find(r => r.key === bo.name) || {}).label || bo.name : '', known ? null : '（未对应角色）')}</select>`,
      '泳道名称即办理角色（见 workflows/roles.py）');
    binders.push(['#pp-role', 'change', e => { if (e.target.value) modeling.updateLabel(element, e.target.value); renderPanel(modeler, config, element); }]);
  }
  if (type === 'bpmn:UserTask' || type === 'bpmn:ManualTask') {
    const p = propsOf(bo);
    const forms = config.forms.slice();
    if (p.form && !forms.includes(p.form)) forms.push(p.form);
    html += field('表单', `<select id="pp-form">${options(forms, p.form || '', '（未指定）')}</select>`,
      p.form ? '' : '用户任务必须指定表单');
    if (p.form && config.forms.includes(p.form)) {
      html += `<p><a id="pp-form-edit" href="${esc(config.editBase + p.form)}">编辑表单 ${esc(p.form)}（先保存流程图）</a></p>`;
    }
    html += field('办理期限 dueIn', `<input id="pp-dueIn" value="${esc(p.dueIn || '')}" placeholder="'P10D'">`, 'Python 表达式，如 \'P10D\'（10 天）');
    html += field('指定办理人 assignee', `<input id="pp-assignee" value="${esc(p.assignee || '')}" placeholder="expert">`, '表达式，值为用户名；留空则由角色认领');
    ['form', 'dueIn', 'assignee'].forEach(name =>
      binders.push(['#pp-' + name, 'change', e => {
        setProperty(modeler, element, name, e.target.value.trim());
        if (name === 'form') renderPanel(modeler, config, element);
      }]));
  }
  if (bo.loopCharacteristics && bo.loopCharacteristics.$type === 'bpmn:MultiInstanceLoopCharacteristics') {
    const refs = loopRefs[bo.id] || (loopRefs[bo.id] = { input: '', output: '' });
    html += field('多实例集合变量', `<input id="pp-loop-in" value="${esc(refs.input)}" placeholder="experts">`, '每个元素生成一个任务（loopDataInputRef）');
    html += field('结果集合变量', `<input id="pp-loop-out" value="${esc(refs.output)}" placeholder="opinions">`, 'loopDataOutputRef');
    binders.push(['#pp-loop-in', 'change', e => { refs.input = e.target.value.trim(); $('#save-status').textContent = '有未保存的修改'; }],
                 ['#pp-loop-out', 'change', e => { refs.output = e.target.value.trim(); $('#save-status').textContent = '有未保存的修改'; }]);
  }
  const timer = (bo.eventDefinitions || []).find(d => d.$type === 'bpmn:TimerEventDefinition');
  if (timer) {
    const kind = ['timeDuration', 'timeDate', 'timeCycle'].find(k => timer[k]) || 'timeDuration';
    html += field('定时器类型', `<select id="pp-timer-kind">${options([['timeDuration', '时长'], ['timeDate', '日期时间'], ['timeCycle', '循环']], kind)}</select>`);
    html += field('定时器表达式', `<input id="pp-timer" value="${esc(timer[kind] ? timer[kind].body : '')}" placeholder="'P30D'">`,
      'Python 表达式：带引号的 ISO 8601 值（\'P30D\'、\'2014-06-30T17:00:00+08:00\'、\'R3/P1Y\'）或变量名') +
      `<div class="hint" id="pp-timer-local">${esc(chinaTime(timer[kind] ? timer[kind].body : ''))}</div>`;
    const apply = () => {
      const k = $('#pp-timer-kind').value, body = $('#pp-timer').value.trim();
      const values = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
      values[k] = body ? moddle.create('bpmn:FormalExpression', { body }) : undefined;
      modeling.updateModdleProperties(element, timer, values);
    };
    binders.push(['#pp-timer-kind', 'change', apply], ['#pp-timer', 'change', apply],
      ['#pp-timer', 'input', () => { $('#pp-timer-local').textContent = chinaTime($('#pp-timer').value); }]);
  }
  if (type === 'bpmn:SequenceFlow' && bo.sourceRef && /Gateway$/.test(bo.sourceRef.$type)) {
    const isDefault = bo.sourceRef.default === bo;
    html += field('条件表达式', `<input id="pp-condition" value="${esc(bo.conditionExpression ? bo.conditionExpression.body : '')}" ${isDefault ? 'disabled' : ''} placeholder="decision == 'approve'">`,
      isDefault ? '这是网关的默认流，不需要条件' : 'Python 表达式，读取流程数据');
    binders.push(['#pp-condition', 'change', e => {
      const body = e.target.value.trim();
      modeling.updateProperties(element, { conditionExpression: body ? moddle.create('bpmn:FormalExpression', { body }) : undefined });
    }]);
  }
  if (type === 'bpmn:ServiceTask') {
    const op = extensionOf(bo, 'spiffworkflow:ServiceTaskOperator');
    const current = op ? op.id : '';
    const ops = config.operations.slice();
    if (current && !ops.includes(current)) ops.push(current);
    const params = op && op.parameterList ? op.parameterList.get('parameters').map(p => `${p.id}=${p.value}`).join('\n') : '';
    html += field('服务操作', `<select id="pp-operation">${options(ops, current, '（未指定）')}</select>`, '程序登记的操作（engine.config.operations）');
    html += field('结果变量', `<input id="pp-result" value="${esc(op ? op.resultVariable || '' : '')}">`);
    html += field('参数（每行 名称=表达式）', `<textarea id="pp-params" rows="3">${esc(params)}</textarea>`);
    const apply = () => {
      const operator = ensureExtension(modeler, element, 'spiffworkflow:ServiceTaskOperator', {});
      operator.id = $('#pp-operation').value;
      operator.resultVariable = $('#pp-result').value.trim() || undefined;
      const list = moddle.create('spiffworkflow:Parameters', { parameters: [] });
      list.$parent = operator;
      $('#pp-params').value.split('\n').map(l => l.trim()).filter(Boolean).forEach(line => {
        const i = line.indexOf('=');
        if (i > 0) {
          const p = moddle.create('spiffworkflow:Parameter', { id: line.slice(0, i).trim(), type: 'any', value: line.slice(i + 1).trim() });
          p.$parent = list;
          list.get('parameters').push(p);
        }
      });
      operator.parameterList = list;
      modeling.updateProperties(element, { extensionElements: bo.extensionElements });
    };
    binders.push(['#pp-operation', 'change', apply], ['#pp-result', 'change', apply], ['#pp-params', 'change', apply]);
  }
  if (type === 'bpmn:BusinessRuleTask') {
    const ref = extensionOf(bo, 'spiffworkflow:CalledDecisionId');
    html += field('决策表 ID', `<input id="pp-decision" value="${esc(ref ? ref.value : '')}">`, '决策表文件：' + (config.decisions.join('、') || '无'));
    binders.push(['#pp-decision', 'change', e => {
      ensureExtension(modeler, element, 'spiffworkflow:CalledDecisionId', {}).value = e.target.value.trim();
      modeling.updateProperties(element, { extensionElements: bo.extensionElements });
    }]);
  }
  if (type === 'bpmn:ScriptTask') {
    html += field('脚本（Python，受限环境）', `<textarea id="pp-script" rows="5" class="code">${esc(bo.script || '')}</textarea>`);
    binders.push(['#pp-script', 'change', e => modeling.updateProperties(element, { scriptFormat: 'python', script: e.target.value })]);
  }
  const issues = (window.peidaiProblems || []).filter(p => p.element === bo.id);
  if (issues.length) html += '<ul class="problems">' + issues.map(p => `<li class="problem problem-${esc(p.severity)}">${esc(p.message)}</li>`).join('') + '</ul>';
  panel.innerHTML = html;
  binders.forEach(([sel, ev, fn]) => { const el = $(sel, panel); if (el) el.addEventListener(ev, fn); });
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
  const modeler = new BpmnModeler({
    container: '#canvas',
    keyboard: { bindTo: document },
    additionalModules: [translateModule(ZH)],
    moddleExtensions: { spiffworkflow: spiffDescriptor }
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
  let selected = null;
  const refresh = problems => {
    window.peidaiProblems = problems;
    markProblems(modeler, problems, config.filename);
    renderProblems(problems, config.filename, id => {
      const el = modeler.get('elementRegistry').get(id);
      if (el) { modeler.get('selection').select(el); modeler.get('canvas').scrollToElement(el); }
    });
    renderPanel(modeler, config, selected);
  };
  modeler.on('selection.changed', e => { selected = e.newSelection.length === 1 ? e.newSelection[0] : null; renderPanel(modeler, config, selected); });
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
    const run = { bpmn: bpmnEditor, dmn: dmnEditor }[kind];
    run(config).catch(err => {
      $('#save-status').textContent = '加载失败：' + err.message;
      console.error(err);
    });
  }
};

const settings = document.getElementById('editor-config');
if (settings && settings.dataset.kind !== 'form') window.PeidaiEditor.start(settings.dataset.kind, JSON.parse(settings.textContent));
