// Peidai's own properties in bpmn-io's properties panel (bpmn-js-properties-panel): a properties
// provider that adds groups for what the engine reads from SpiffWorkflow's extension elements
// (form, due time, assignee, title, keepFields, start roles and start form, service operations,
// decision tables, multi-instance collections), gateway conditions and scripts, and the role of
// a lane, with pickers for the roles, forms and operations the server lists. The panel's own
// groups (name, id, documentation, timers, multi-instance) come from BpmnPropertiesProviderModule.
import { h } from '@bpmn-io/properties-panel/preact';
import {
  CheckboxEntry, SelectEntry, TextAreaEntry, TextFieldEntry,
  isCheckboxEntryEdited, isSelectEntryEdited, isTextAreaEntryEdited, isTextFieldEntryEdited
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';

// SpiffWorkflow names the collection of a multi-instance task in loopDataInputRef /
// loopDataOutputRef as a plain variable name; bpmn-moddle expects a reference and drops it, so
// the editor keeps them aside per element id (editor.js reads and writes them in the XML).
export const loopRefs = {};

const NO_VALUE = '';

export function extensionOf(bo, type) {
  const ext = bo && bo.extensionElements;
  return ext ? (ext.get('values') || []).find(v => v.$type === type) : undefined;
}

export function propsOf(bo) {
  const out = {};
  const props = extensionOf(bo, 'spiffworkflow:Properties');
  (props ? props.get('properties') : []).forEach(p => { out[p.name] = p.value; });
  return out;
}

// a literal date and time in a timer, read in China time (the site's time zone)
export function chinaTime(expression) {
  const m = /^\s*['"](\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(Z|[+-]\d{2}:?\d{2})?['"]\s*$/.exec(expression || '');
  if (!m) return '';
  if (!m[2]) return '未写时区：请在时间后写明 +08:00（北京时间）';
  const when = new Date(m[1] + m[2]);
  if (isNaN(when)) return '';
  return '即北京时间 ' + when.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false,
    year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

// the business object whose extension elements hold the properties: a pool's process
function ownerOf(element) {
  const bo = element.businessObject;
  return bo.$type === 'bpmn:Participant' ? bo.processRef : bo;
}

function ensureExtension(moddle, bo, type, attrs) {
  let ext = bo.extensionElements;
  if (!ext) {
    ext = moddle.create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    bo.extensionElements = ext;
  }
  let item = ext.get('values').find(v => v.$type === type);
  if (!item) {
    item = moddle.create(type, attrs || {});
    item.$parent = ext;
    ext.get('values').push(item);
  }
  return item;
}

export default function PeidaiPropertiesProvider(propertiesPanel, injector, config) {
  const modeling = injector.get('modeling');
  const moddle = injector.get('moddle');

  // every change goes through a modeling command, so it is undoable and marks the diagram dirty
  const touch = (element, bo) => modeling.updateModdleProperties(element, bo, { extensionElements: bo.extensionElements });

  function setProperty(element, name, value) {
    const bo = ownerOf(element);
    const props = ensureExtension(moddle, bo, 'spiffworkflow:Properties', { properties: [] });
    const list = props.get('properties');
    let p = list.find(x => x.name === name);
    value = (value || '').trim();
    if (value) {
      if (!p) { p = moddle.create('spiffworkflow:Property', { name }); p.$parent = props; list.push(p); }
      p.value = value;
    } else if (p) {
      list.splice(list.indexOf(p), 1);
    }
    touch(element, bo);
  }

  const options = (values, current, blank) => {
    const list = values.map(v => (Array.isArray(v) ? { value: v[0], label: v[1] } : { value: v, label: v }));
    if (current && !list.some(o => o.value === current)) list.push({ value: current, label: current + '（未登记）' });
    return (blank ? [{ value: NO_VALUE, label: blank }] : []).concat(list);
  };

  function entry(kind, id, label, get, set, extra) {
    const Entry = { text: TextFieldEntry, area: TextAreaEntry, select: SelectEntry, check: CheckboxEntry }[kind];
    const isEdited = { text: isTextFieldEntryEdited, area: isTextAreaEntryEdited, select: isSelectEntryEdited,
      check: isCheckboxEntryEdited }[kind];
    function Component(props) {
      const debounce = useService('debounceInput');
      const translate = useService('translate');
      const { element } = props;
      return h(Entry, { element, id, label: translate(label), debounce, getValue: () => get(element),
        setValue: value => set(element, value), ...(extra ? extra(element, translate) : {}) });
    }
    return { id, component: Component, isEdited };
  }

  const prop = name => element => propsOf(ownerOf(element))[name] || '';
  const setProp = name => (element, value) => setProperty(element, name, value);

  function taskGroup(element) {
    const entries = [
      entry('select', 'peidai-form', '表单', prop('form'), setProp('form'), element2 => ({
        getOptions: () => options(config.forms, propsOf(element2.businessObject).form, '（未指定）'),
        description: propsOf(element2.businessObject).form ? '表单可在草稿页面中用表单设计器编辑' : '用户任务必须指定表单'
      })),
      entry('text', 'peidai-dueIn', '办理期限 dueIn', prop('dueIn'), setProp('dueIn'),
        () => ({ description: "Python 表达式，如 'P10D'（10 天）" })),
      entry('text', 'peidai-dueAt', '截止时间 dueAt', prop('dueAt'), setProp('dueAt'),
        () => ({ description: '表达式，值为日期时间（如 closes_at）；与办理期限二选一' })),
      entry('text', 'peidai-assignee', '指定办理人 assignee', prop('assignee'), setProp('assignee'),
        () => ({ description: '表达式，值为用户名；留空则由泳道角色认领' })),
      entry('text', 'peidai-title', '任务标题 title', prop('title'), setProp('title'),
        () => ({ description: "表达式，待办列表中显示的标题，如 '年度考核：' + mentor_name" })),
      entry('text', 'peidai-keepFields', '再次办理时保留的字段 keepFields', prop('keepFields'), setProp('keepFields'),
        () => ({ description: '逗号分隔的字段名，* 表示全部；其余字段在退回后重新填写' }))
    ];
    return { id: 'peidai-task', label: '办理设置', entries };
  }

  function startGroup() {
    const roles = config.roles.map(r => entry('check', 'peidai-start-' + r.key, r.label,
      element => (prop('startRoles')(element) || '').split(',').map(s => s.trim()).includes(r.key),
      (element, on) => {
        const keys = (prop('startRoles')(element) || '').split(',').map(s => s.trim()).filter(Boolean).filter(k => k !== r.key);
        if (on) keys.push(r.key);
        setProperty(element, 'startRoles', config.roles.map(x => x.key).filter(k => keys.includes(k))
          .concat(keys.filter(k => !config.roles.some(x => x.key === k))).join(','));
      }));
    const form = entry('select', 'peidai-startForm', '发起表单 startForm', prop('startForm'), setProp('startForm'),
      element => ({ getOptions: () => options(config.forms, prop('startForm')(element), '（无：由程序发起）'),
        description: '发起时填写的数据；没有可发起角色的流程只能由程序发起' }));
    return { id: 'peidai-start', label: '发起（可发起的角色）', entries: [form].concat(roles) };
  }

  function laneGroup(element) {
    const current = () => {
      const name = element.businessObject.name || '';
      const role = config.roles.find(r => r.label === name || r.key === name);
      return role ? role.label : NO_VALUE;
    };
    return { id: 'peidai-lane', label: '办理角色', entries: [
      entry('select', 'peidai-role', '角色', current, (el, value) => { if (value) modeling.updateLabel(el, value); },
        () => ({ getOptions: () => options(config.roles.map(r => [r.label, `${r.label}（${r.key}）`]), null, current() ? null : '（未对应角色）'),
          description: '泳道名称即办理角色（见 workflows/roles.py）' }))
    ] };
  }

  function conditionGroup(element) {
    const bo = element.businessObject;
    const isDefault = () => bo.sourceRef && bo.sourceRef.default === bo;
    return { id: 'peidai-condition', label: '条件', entries: [
      entry('text', 'peidai-condition', '条件表达式', () => (bo.conditionExpression ? bo.conditionExpression.body : ''),
        (el, value) => modeling.updateProperties(el, { conditionExpression: (value || '').trim()
          ? moddle.create('bpmn:FormalExpression', { body: value.trim() }) : undefined }),
        () => ({ disabled: isDefault(), description: isDefault() ? '这是网关的默认流，不需要条件' : "Python 表达式，读取流程数据，如 decision == 'approve'" }))
    ] };
  }

  function serviceGroup(element) {
    const bo = element.businessObject;
    const op = () => extensionOf(bo, 'spiffworkflow:ServiceTaskOperator');
    const operator = () => ensureExtension(moddle, bo, 'spiffworkflow:ServiceTaskOperator', {});
    const params = () => (op() && op().parameterList ? op().parameterList.get('parameters').map(p => `${p.id}=${p.value}`).join('\n') : '');
    return { id: 'peidai-service', label: '服务操作', entries: [
      entry('select', 'peidai-operation', '服务操作', () => (op() ? op().id || '' : ''),
        (el, value) => { operator().id = value || undefined; touch(el, bo); },
        () => ({ getOptions: () => options(config.operations, op() && op().id, '（未指定）'), description: '程序登记的操作（engine.config.operations）' })),
      entry('text', 'peidai-result', '结果变量', () => (op() ? op().resultVariable || '' : ''),
        (el, value) => { operator().resultVariable = (value || '').trim() || undefined; touch(el, bo); }),
      entry('area', 'peidai-params', '参数（每行 名称=表达式）', params, (el, value) => {
        const o = operator();
        const list = moddle.create('spiffworkflow:Parameters', { parameters: [] });
        list.$parent = o;
        (value || '').split('\n').map(l => l.trim()).filter(Boolean).forEach(line => {
          const i = line.indexOf('=');
          if (i > 0) {
            const p = moddle.create('spiffworkflow:Parameter', { id: line.slice(0, i).trim(), type: 'any', value: line.slice(i + 1).trim() });
            p.$parent = list;
            list.get('parameters').push(p);
          }
        });
        o.parameterList = list;
        touch(el, bo);
      })
    ] };
  }

  function decisionGroup(element) {
    const bo = element.businessObject;
    return { id: 'peidai-decision', label: '决策表', entries: [
      entry('text', 'peidai-decision', '决策表 ID', () => { const r = extensionOf(bo, 'spiffworkflow:CalledDecisionId'); return r ? r.value || '' : ''; },
        (el, value) => { ensureExtension(moddle, bo, 'spiffworkflow:CalledDecisionId', {}).value = (value || '').trim(); touch(el, bo); },
        () => ({ description: '决策表文件：' + (config.decisions.join('、') || '无') }))
    ] };
  }

  function scriptGroup(element) {
    return { id: 'peidai-script', label: '脚本', entries: [
      entry('area', 'peidai-script', '脚本（Python，受限环境）', () => element.businessObject.script || '',
        (el, value) => modeling.updateProperties(el, { scriptFormat: 'python', script: value || '' }))
    ] };
  }

  function loopGroup(element) {
    const refs = () => loopRefs[element.businessObject.id] || (loopRefs[element.businessObject.id] = { input: '', output: '' });
    // kept beside the diagram: a harmless property change marks the diagram dirty for the save
    const mark = el => modeling.updateProperties(el, {});
    return { id: 'peidai-loop', label: '多实例集合', entries: [
      entry('text', 'peidai-loop-in', '集合变量 loopDataInputRef', () => refs().input, (el, v) => { refs().input = (v || '').trim(); mark(el); },
        () => ({ description: '每个元素生成一个任务，如 experts' })),
      entry('text', 'peidai-loop-out', '结果集合变量 loopDataOutputRef', () => refs().output, (el, v) => { refs().output = (v || '').trim(); mark(el); },
        () => ({ description: '各任务的结果收集到这个变量，如 opinions' }))
    ] };
  }

  function TimerLocal(props) {
    const { element } = props;
    const timer = (element.businessObject.eventDefinitions || []).find(d => d.$type === 'bpmn:TimerEventDefinition');
    const kind = timer && ['timeDate', 'timeDuration', 'timeCycle'].find(k => timer[k]);
    const text = kind ? chinaTime(timer[kind].body) : '';
    return h('div', { class: 'bio-properties-panel-entry peidai-hint', id: 'peidai-timer-local', 'data-entry-id': 'peidai-timer-local' },
      text || "时间写作带引号的 ISO 8601 值（'P30D'、'2014-06-30T17:00:00+08:00'、'R3/P1Y'）或变量名");
  }

  this.getGroups = function (element) {
    return function (groups) {
      const bo = element.businessObject;
      const type = bo.$type;
      const add = group => { if (group) groups.splice(1, 0, group); };
      if (type === 'bpmn:Process' || (type === 'bpmn:Participant' && bo.processRef)) add(startGroup());
      if (type === 'bpmn:Lane') add(laneGroup(element));
      if (type === 'bpmn:UserTask' || type === 'bpmn:ManualTask') add(taskGroup(element));
      if (type === 'bpmn:SequenceFlow' && bo.sourceRef && /Gateway$/.test(bo.sourceRef.$type)) add(conditionGroup(element));
      if (type === 'bpmn:ServiceTask') add(serviceGroup(element));
      if (type === 'bpmn:BusinessRuleTask') add(decisionGroup(element));
      if (type === 'bpmn:ScriptTask') add(scriptGroup(element));
      if (bo.loopCharacteristics && bo.loopCharacteristics.$type === 'bpmn:MultiInstanceLoopCharacteristics') add(loopGroup(element));
      const timer = groups.find(g => g.id === 'timer');
      if (timer) timer.entries.push({ id: 'peidai-timer-local', component: TimerLocal });
      return groups;
    };
  };

  propertiesPanel.registerProvider(500, this);
}

PeidaiPropertiesProvider.$inject = ['propertiesPanel', 'injector', 'config.peidai'];

// the groups open at first (the panel remembers what the administrator opens or closes)
export const OPEN_GROUPS = ['general', 'timer', 'multiInstance', 'peidai-task', 'peidai-start', 'peidai-lane',
  'peidai-condition', 'peidai-service', 'peidai-decision', 'peidai-script', 'peidai-loop'];

export const PeidaiPropertiesModule = {
  __init__: ['peidaiPropertiesProvider'],
  peidaiPropertiesProvider: ['type', PeidaiPropertiesProvider]
};
