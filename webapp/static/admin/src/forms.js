// The form designer: bpmn-io's form-js editor (palette, drag-and-drop canvas, properties panel)
// on top of the JSON Schema that stays the stored format (formschema.js converts both ways), a
// panel for conditional requirements ("the opinion is required when the decision is 退回"), the
// JSON Schema itself for experts, and the live preview rendered by the task page's renderer.
import { FormEditor } from '@bpmn-io/form-js-editor';
import { $, post, esc, renderProblems, saveFile } from './common';
import { toFormJs, fromFormJs, parseRules, writeRules, choicesOf } from './formschema';
import { FIELD_NAMES, translateIn } from './formtranslations';

// the field types the designer offers (the task page renders these); the rest of form-js's palette is hidden
const OFFERED = ['textfield', 'textarea', 'number', 'datetime', 'select', 'radio', 'checkbox', 'checklist', 'filepicker',
  'group', 'dynamiclist'];

function chinesePalette(editor) {
  const registry = editor.get('formFields')._formFields;
  for (const [type, field] of Object.entries(registry)) {
    const name = FIELD_NAMES[type];
    if (!name || field.config.__peidai) continue;
    const create = field.config.create;
    field.config.name = name;
    field.config.label = name;
    field.config.create = (options = {}) => {
      const made = create ? create(options) : { ...options };
      if (type === 'datetime') return { ...made, subtype: 'date', dateLabel: options.dateLabel || name };
      if ('label' in made && !options.label) made.label = name;
      if (made.values && !options.values) made.values = [{ label: '选项一', value: 'value1' }];
      return made;
    };
    field.config.__peidai = true;
  }
}

function stringify(schema) {
  return JSON.stringify(schema, null, 2) + '\n';
}

export async function formDesigner(config) {
  const area = $('#schema');
  const text = await (await fetch(config.fileUrl, { credentials: 'same-origin' })).text();
  area.value = text;
  let current;
  try { current = JSON.parse(text); } catch (e) { current = null; }
  let rules = [];
  let advanced = [];
  let designerStale = false;
  let importing = false;

  // ---------------------------------------------------------------- preview
  let previewTimer = null;
  const preview = async () => {
    const res = await post(config.previewUrl, { content: area.value });
    $('#preview').innerHTML = await res.text();
  };
  const schedulePreview = () => { clearTimeout(previewTimer); previewTimer = setTimeout(preview, 300); };

  const commit = (schema, { fromJson = false } = {}) => {
    current = schema;
    if (!fromJson) area.value = stringify(current);
    $('#form-title').value = (current && current.title) || '';
    schedulePreview();
  };

  // ---------------------------------------------------------------- designer
  const editor = new FormEditor({});
  chinesePalette(editor);
  editor.attachTo($('#designer'));
  const stopTranslating = translateIn($('#designer'));
  window.peidaiFormEditor = editor;

  const load = async () => {
    importing = true;
    try {
      await editor.importSchema(toFormJs(current || {}));
      ({ rules, advanced } = parseRules(current || {}));
      renderRules();
      designerStale = false;
    } finally {
      importing = false;
    }
  };

  editor.on('changed', () => {
    if (importing || !current) return;
    const next = writeRules(fromFormJs(editor.saveSchema(), current), rules, advanced);
    commit(next);
    renderRules();
  });

  // ---------------------------------------------------------------- conditional requirements
  const fieldsOf = () => Object.entries((current && current.properties) || {}).map(([name, p]) => ({
    name, title: (p && p.title) || name, choices: p && p.type === 'boolean'
      ? [{ value: true, label: '是' }, { value: false, label: '否' }] : choicesOf(p)
  }));

  function renderRules() {
    const fields = fieldsOf();
    const box = $('#rules');
    const label = f => `${esc(f.title)}（${esc(f.name)}）`;
    box.innerHTML = rules.map((r, i) => {
      const cond = fields.find(f => f.name === r.field);
      const values = cond && cond.choices
        ? cond.choices.map(c => `<label class="chip"><input type="checkbox" data-rule="${i}" data-part="value" value="${esc(JSON.stringify(c.value))}"
            ${r.values.some(v => v === c.value) ? 'checked' : ''}> ${esc(c.label)}</label>`).join('')
        : `<input data-rule="${i}" data-part="text" value="${esc(r.values.join('，'))}" placeholder="值（多个用逗号分隔）">`;
      return `<div class="rule" data-rule="${i}">
        <span>当</span>
        <select data-rule="${i}" data-part="field" aria-label="条件字段">${fields.map(f =>
          `<option value="${esc(f.name)}" ${f.name === r.field ? 'selected' : ''}>${label(f)}</option>`).join('')}
          ${cond ? '' : `<option selected value="${esc(r.field)}">${esc(r.field)}（不存在）</option>`}</select>
        <select data-rule="${i}" data-part="op" aria-label="条件"><option value="eq" ${r.op === 'eq' ? 'selected' : ''}>为</option>
          <option value="ne" ${r.op === 'ne' ? 'selected' : ''}>不为</option></select>
        <span class="rule-values">${values}</span>
        <span>时，必填：</span>
        <span class="rule-required">${fields.filter(f => f.name !== r.field).map(f => `<label class="chip"><input type="checkbox"
          data-rule="${i}" data-part="required" value="${esc(f.name)}" ${r.required.includes(f.name) ? 'checked' : ''}> ${esc(f.title)}</label>`).join('')}</span>
        <button type="button" class="btn btn-ghost btn-sm" data-rule="${i}" data-part="remove">删除</button>
      </div>`;
    }).join('') || '<p class="muted">没有条件必填规则。</p>';
    if (advanced.length) {
      box.insertAdjacentHTML('beforeend', `<p class="hint">另有 ${advanced.length} 条其他形式的规则，只能在“JSON Schema”中修改。</p>`);
    }
  }

  const updateRules = () => {
    commit(writeRules(current, rules, advanced));
    renderRules();
  };

  $('#rules').addEventListener('change', e => {
    const el = e.target;
    const r = rules[+el.dataset.rule];
    if (!r) return;
    const part = el.dataset.part;
    if (part === 'field') {
      r.field = el.value;
      const cond = fieldsOf().find(f => f.name === r.field);
      r.values = cond && cond.choices ? [cond.choices[0].value] : [];
      r.required = r.required.filter(n => n !== r.field);
    } else if (part === 'op') {
      r.op = el.value;
    } else if (part === 'value') {
      const value = JSON.parse(el.value);
      r.values = el.checked ? r.values.concat([value]) : r.values.filter(v => v !== value);
    } else if (part === 'text') {
      r.values = el.value.split(/[,，]/).map(s => s.trim()).filter(Boolean);
    } else if (part === 'required') {
      r.required = el.checked ? r.required.concat([el.value]) : r.required.filter(n => n !== el.value);
    }
    updateRules();
  });
  $('#rules').addEventListener('click', e => {
    if (e.target.dataset.part !== 'remove') return;
    rules.splice(+e.target.dataset.rule, 1);
    updateRules();
  });
  $('#add-rule').addEventListener('click', () => {
    const fields = fieldsOf();
    const cond = fields.find(f => f.choices) || fields[0];
    if (!cond) return;
    rules.push({ field: cond.name, op: 'eq', values: cond.choices ? [cond.choices[cond.choices.length > 1 ? 1 : 0].value] : [],
                 required: [], then: {}, ifRequired: true });
    updateRules();
  });

  // ---------------------------------------------------------------- title, tabs, JSON
  $('#form-title').addEventListener('input', e => {
    if (!current) return;
    commit({ ...current, title: e.target.value });
  });
  area.addEventListener('input', () => {
    try {
      current = JSON.parse(area.value);
      designerStale = true;
      $('#json-status').textContent = '';
    } catch (err) {
      $('#json-status').textContent = 'JSON 格式错误：' + err.message;
    }
    $('#form-title').value = (current && current.title) || '';
    schedulePreview();
  });
  document.querySelectorAll('#form-tabs [data-tab]').forEach(tab => tab.addEventListener('click', async () => {
    const which = tab.dataset.tab;
    document.querySelectorAll('#form-tabs [data-tab]').forEach(t => t.classList.toggle('on', t === tab));
    $('#pane-designer').hidden = which !== 'designer';
    $('#pane-json').hidden = which !== 'json';
    if (which === 'designer' && designerStale && current) await load();
  }));

  if (current) await load(); else {
    $('#pane-designer').hidden = true;
    $('#pane-json').hidden = false;
    $('#json-status').textContent = '表单不是有效的 JSON，请在此修正';
  }
  $('#form-title').value = (current && current.title) || '';
  await preview();
  renderProblems(config.problems, config.filename);
  $('#save').addEventListener('click', async () => renderProblems(await saveFile(config, area.value), config.filename));
  window.peidaiReady = true;
  document.documentElement.dataset.peidaiReady = '1';
  return stopTranslating;
}

window.PeidaiForms = {
  start(config) {
    formDesigner(config).catch(err => {
      $('#save-status').textContent = '加载失败：' + err.message;
      console.error(err);
    });
  }
};

const settings = document.getElementById('editor-config');
if (settings && settings.dataset.kind === 'form') window.PeidaiForms.start(JSON.parse(settings.textContent));
