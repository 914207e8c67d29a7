// JSON Schema (the stored format of a task's form) <-> form-js (the designer's format).
//
// toFormJs(schema) gives the designer its components; fromFormJs(form, schema) writes the
// designer's components back into the JSON Schema. Writing back starts from the original property
// of each field, so everything the designer does not edit (an expert's readOnly, default, x-...,
// minItems, a nested allOf) is kept; a property the designer cannot show (a list of free texts, an
// unusual type) is shown as a locked placeholder and written back unchanged, in its place.
//
// Field types: textfield (string), textarea (string, format textarea), number (integer when it
// has no decimals, else number), datetime/date (string, format date), select and radio (a choice:
// enum + enumNames, or oneOf const/title when the form used that), checkbox (yes/no), checklist
// (several choices: array of an enum), filepicker (attachments: array of uri-reference strings),
// group (an object), dynamiclist (an array of objects).

const PASSTHROUGH = 'jsonschema:passthrough';
const CHOICE_TYPES = ['select', 'radio'];

function choicesOf(prop) {
  if (!prop) return null;
  if (Array.isArray(prop.oneOf) && prop.oneOf.length && prop.oneOf.every(o => o && 'const' in o)) {
    return prop.oneOf.map(o => ({ value: o.const, label: o.title || String(o.const) }));
  }
  if (Array.isArray(prop.enum)) {
    const names = prop.enumNames || prop['x-enumNames'] || [];
    return prop.enum.map((v, i) => ({ value: v, label: names[i] || String(v) }));
  }
  return null;
}

function isAttachment(prop) {
  const items = (prop && prop.items) || {};
  return prop && prop.type === 'array' && items.type === 'string' && ['uri-reference', 'uri', 'data-url'].includes(items.format);
}

function common(name, prop, required) {
  const c = { key: name, label: prop.title || name };
  if (prop.description) c.description = prop.description;
  if (required) c.validate = { required: true };
  if (prop.readOnly) c.readonly = true;
  if (prop.default !== undefined && typeof prop.default !== 'object') c.defaultValue = prop.default;
  return c;
}

function component(name, prop, required) {
  prop = prop || {};
  const choices = choicesOf(prop);
  const c = common(name, prop, required);
  if (prop.type === 'object' || (!prop.type && prop.properties)) {
    return { type: 'group', label: c.label, path: name, showOutline: true, components: components(prop) };
  }
  if (prop.type === 'array') {
    const items = prop.items || {};
    if (items.type === 'object' || items.properties) {
      return { type: 'dynamiclist', label: c.label, path: name, isRepeating: true, allowAddRemove: true,
               defaultRepetitions: prop.minItems || 1, showOutline: true, components: components(items) };
    }
    const itemChoices = choicesOf(items);
    if (itemChoices) return { ...c, type: 'checklist', values: itemChoices };
    if (isAttachment(prop)) return { ...c, type: 'filepicker', multiple: true };
    return passthrough(name, prop);
  }
  if (choices && prop.type !== 'boolean') {
    return { ...c, type: choices.length <= 4 ? 'radio' : 'select', values: choices };
  }
  if (prop.type === 'boolean') return { ...c, type: 'checkbox' };
  if (prop.type === 'integer' || prop.type === 'number') {
    const v = c.validate || {};
    if (prop.minimum !== undefined) v.min = prop.minimum;
    if (prop.maximum !== undefined) v.max = prop.maximum;
    return { ...c, type: 'number', decimalDigits: prop.type === 'integer' ? 0 : undefined,
             ...(Object.keys(v).length ? { validate: v } : {}) };
  }
  if (prop.type === 'string' || !prop.type) {
    if (prop.format === 'date' || prop.format === 'date-time' || prop.format === 'time') {
      const { label, ...rest } = c;
      const subtype = { date: 'date', 'date-time': 'datetime', time: 'time' }[prop.format];
      return { ...rest, type: 'datetime', subtype, dateLabel: label, timeLabel: label, ...(subtype === 'time' ? {} : {}) };
    }
    const v = c.validate || {};
    if (prop.minLength !== undefined) v.minLength = prop.minLength;
    if (prop.maxLength !== undefined) v.maxLength = prop.maxLength;
    if (prop.pattern) { v.validationType = 'custom'; v.pattern = prop.pattern; }
    const multi = prop.format === 'textarea' || (prop.maxLength || 0) > 200;
    return { ...c, type: multi ? 'textarea' : 'textfield', ...(Object.keys(v).length ? { validate: v } : {}) };
  }
  return passthrough(name, prop);
}

function passthrough(name, prop) {
  return { type: 'text', text: `**${prop.title || name}**（${name}：设计器不能编辑此类字段，请在“JSON Schema”中修改）`,
           properties: { [PASSTHROUGH]: name } };
}

function components(schema) {
  const required = new Set(schema.required || []);
  return Object.entries(schema.properties || {}).map(([name, prop]) => component(name, prop, required.has(name)));
}

export function toFormJs(schema) {
  return { type: 'default', id: 'Form_peidai', schemaVersion: 16, components: components(schema || {}) };
}

// ------------------------------------------------------------------ back to JSON Schema

const DESIGNED = ['title', 'description', 'type', 'format', 'enum', 'enumNames', 'x-enumNames', 'oneOf', 'minimum', 'maximum',
  'minLength', 'maxLength', 'pattern', 'readOnly', 'default', 'items', 'uniqueItems', 'properties', 'required'];

function base(prev) {
  const p = { ...(prev || {}) };
  DESIGNED.forEach(k => delete p[k]);
  return p;
}

function itemBase(prev) {
  const p = { ...(prev || {}) };
  ['type', 'enum', 'enumNames', 'x-enumNames', 'oneOf'].forEach(k => delete p[k]);
  return p;
}

function withCommon(p, c, label) {
  const out = { title: label !== undefined ? label : (c.label || c.key) };
  if (c.description) out.description = c.description;
  return Object.assign(out, p);
}

function finish(p, c) {
  if (c.readonly === true) p.readOnly = true;
  if (c.defaultValue !== undefined && c.defaultValue !== '') p.default = c.defaultValue;
  return p;
}

function choiceProps(prev, values, type) {
  const out = {};
  const vals = (values || []).map(v => v.value);
  if (prev && Array.isArray(prev.oneOf)) {
    out.oneOf = (values || []).map(v => ({ const: v.value, title: v.label }));
  } else {
    out.enum = vals;
    out.enumNames = (values || []).map(v => v.label);
  }
  out.type = type || (vals.every(v => typeof v === 'number') && vals.length ? 'integer' : 'string');
  return out;
}

function property(c, prev) {
  const v = c.validate || {};
  let p = base(prev);
  switch (c.type) {
    case 'textfield':
    case 'textarea': {
      p = withCommon(p, c);
      p.type = 'string';
      const impliedTextarea = Number(v.maxLength || 0) > 200 && !(prev && prev.format);   // the renderer's rule
      if (c.type === 'textarea' && !impliedTextarea) p.format = 'textarea';
      else if (prev && prev.format && !['date', 'date-time', 'time', 'textarea'].includes(prev.format)) p.format = prev.format;
      if (v.validationType === 'email') p.format = 'email';
      if (v.minLength !== undefined && v.minLength !== null && v.minLength !== '') p.minLength = Number(v.minLength);
      if (v.maxLength !== undefined && v.maxLength !== null && v.maxLength !== '') p.maxLength = Number(v.maxLength);
      if (v.pattern && (v.validationType === 'custom' || !v.validationType)) p.pattern = v.pattern;
      if (v.validationType === 'phone') p.pattern = '^\\+?[0-9 ()-]{7,20}$';
      return finish(p, c);
    }
    case 'number': {
      p = withCommon(p, c);
      p.type = c.decimalDigits === 0 || (c.decimalDigits === undefined && prev && prev.type === 'integer') ? 'integer' : 'number';
      if (v.min !== undefined && v.min !== null && v.min !== '') p.minimum = Number(v.min);
      if (v.max !== undefined && v.max !== null && v.max !== '') p.maximum = Number(v.max);
      return finish(p, c);
    }
    case 'datetime': {
      p = withCommon(p, c, c.subtype === 'time' ? c.timeLabel : c.dateLabel || c.label);
      p.type = 'string';
      p.format = { date: 'date', datetime: 'date-time', time: 'time' }[c.subtype || 'date'];
      return finish(p, c);
    }
    case 'select':
    case 'radio':
      p = withCommon(p, c);
      Object.assign(p, choiceProps(prev, c.values, prev && prev.type !== 'array' ? prev.type : undefined));
      return finish(p, c);
    case 'checkbox':
      p = withCommon(p, c);
      p.type = 'boolean';
      return finish(p, c);
    case 'checklist':
    case 'taglist':
      p = withCommon(p, c);
      p.type = 'array';
      p.items = ordered({ ...itemBase(prev && prev.items), ...choiceProps(prev && prev.items, c.values) }, prev && prev.items);
      p.uniqueItems = true;
      return finish(p, c);
    case 'filepicker':
      p = withCommon(p, c);
      p.type = 'array';
      p.items = { ...(prev && prev.items), type: 'string', title: '文件', format: 'uri-reference' };
      return finish(p, c);
    default:
      return null;
  }
}

function fromComponents(list, prevSchema) {
  const prevProps = (prevSchema && prevSchema.properties) || {};
  const prevRequired = new Set((prevSchema && prevSchema.required) || []);
  const properties = {};
  const required = [];
  for (const c of list || []) {
    const pass = c.properties && c.properties[PASSTHROUGH];
    if (pass) {
      if (pass in prevProps) {
        properties[pass] = prevProps[pass];
        if (prevRequired.has(pass)) required.push(pass);
      }
      continue;
    }
    if (c.type === 'group' || c.type === 'dynamiclist') {
      const name = c.path;
      const inner = c.type === 'group' ? prevProps[name] : (prevProps[name] || {}).items;
      const nested = fromComponents(c.components, inner);
      if (!name) {  // a visual group without a path: its fields belong to this level
        Object.assign(properties, nested.properties);
        required.push(...nested.required);
        continue;
      }
      const obj = { ...base(inner), type: 'object', properties: nested.properties,
                    ...(nested.required.length ? { required: nested.required } : {}) };
      if (c.type === 'group') {
        properties[name] = ordered(withCommon(obj, c), prevProps[name]);
      } else {
        const prev = base(prevProps[name]);
        properties[name] = ordered(withCommon({ ...prev, type: 'array', items: obj }, c), prevProps[name]);
        if (prevRequired.has(name)) required.push(name);
      }
      if (c.type === 'group' && prevRequired.has(name)) required.push(name);
      continue;
    }
    if (!c.key) continue;
    const p = property(c, prevProps[c.key]);
    if (!p) continue;
    properties[c.key] = ordered(p, prevProps[c.key]);
    if (c.validate && c.validate.required) required.push(c.key);
  }
  const before = (prevSchema && prevSchema.required) || [];
  const rank = name => (before.includes(name) ? before.indexOf(name) : before.length + required.indexOf(name));
  return { properties, required: required.slice().sort((a, b) => rank(a) - rank(b)) };
}

export function fromFormJs(form, schema) {
  const prev = schema || {};
  const { properties, required } = fromComponents(form.components, prev);
  const out = {};
  if (!('$schema' in prev)) out.$schema = 'https://json-schema.org/draft/2020-12/schema';
  for (const [k, v] of Object.entries(prev)) {
    if (k === 'properties') out.properties = properties;
    else if (k === 'required') { if (required.length) out.required = required; }
    else out[k] = v;
  }
  if (!('type' in out)) out.type = 'object';
  if (!('required' in out) && required.length) out.required = required;
  if (!('properties' in out)) out.properties = properties;
  return out;
}

// the keys of ``p`` in the order ``prev`` had them (new keys after): an unchanged form is saved
// byte for byte as it was, and a change shows as a small diff in git
function ordered(p, prev) {
  if (!prev || typeof prev !== 'object' || Array.isArray(p) || typeof p !== 'object' || p === null) return p;
  const out = {};
  for (const k of Object.keys(prev)) if (k in p) out[k] = ordered(p[k], prev[k]);
  for (const k of Object.keys(p)) if (!(k in out)) out[k] = p[k];
  return out;
}

// ------------------------------------------------------------------ conditional requirements

// A rule the designer edits: {field, op: 'eq'|'ne', values: [...], required: [...], then: {...}}.
// allOf entries of another shape are kept as they are (shown as "advanced").
export function parseRules(schema) {
  const rules = [];
  const advanced = [];
  for (const entry of (schema && schema.allOf) || []) {
    const rule = parseRule(entry);
    if (rule) rules.push(rule); else advanced.push(entry);
  }
  return { rules, advanced };
}

function parseRule(entry) {
  if (!entry || typeof entry !== 'object' || !entry.if || !entry.then || entry.else) return null;
  const keys = Object.keys(entry).filter(k => !['if', 'then'].includes(k));
  const cond = entry.if;
  const names = Object.keys(cond.properties || {});
  if (keys.length || names.length !== 1 || Object.keys(cond).some(k => !['properties', 'required'].includes(k))) return null;
  const field = names[0];
  const c = cond.properties[field] || {};
  let op; let values;
  if ('const' in c) { op = 'eq'; values = [c.const]; }
  else if (Array.isArray(c.enum)) { op = 'eq'; values = c.enum; }
  else if (c.not && 'const' in c.not) { op = 'ne'; values = [c.not.const]; }
  else if (c.not && Array.isArray(c.not.enum)) { op = 'ne'; values = c.not.enum; }
  else return null;
  const then = entry.then;
  if (!Array.isArray(then.required) || Object.keys(then).some(k => !['required', 'properties'].includes(k))) return null;
  return { field, op, values, required: then.required.slice(), then, ifRequired: Array.isArray(cond.required) };
}

export function writeRules(schema, rules, advanced) {
  const entries = rules.filter(r => r.field && r.values.length && r.required.length).map(r => {
    const cond = r.values.length === 1 ? { const: r.values[0] } : { enum: r.values };
    const then = { ...(r.then || {}), required: r.required };
    if (then.properties) {   // keep only the extra limits of fields that stay required
      then.properties = Object.fromEntries(Object.entries(then.properties).filter(([k]) => r.required.includes(k)));
      if (!Object.keys(then.properties).length) delete then.properties;
    }
    const test = { properties: { [r.field]: r.op === 'ne' ? { not: cond } : cond } };
    if (r.ifRequired !== false) test.required = [r.field];   // a new rule applies only once the field is answered
    return { if: test, then };
  });
  const out = { ...schema };
  const all = entries.concat(advanced || []);
  if (all.length) out.allOf = all; else delete out.allOf;
  return out;
}

export { choicesOf, PASSTHROUGH, CHOICE_TYPES };
