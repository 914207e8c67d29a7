// Helpers shared by the process editor (editor.js) and the form designer (forms.js).
export const $ = (sel, root = document) => root.querySelector(sel);
export const csrf = () => $('meta[name=csrf-token]').content;

export async function post(url, body) {
  const res = await fetch(url, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf() },
    body: JSON.stringify(body)
  });
  if (!res.ok) throw new Error('HTTP ' + res.status);
  return res;
}

export function esc(text) {
  return String(text == null ? '' : text).replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

export function renderProblems(problems, filename, onPick) {
  const box = $('#problems-box');
  const mine = problems.filter(p => p.file === filename || p.file === '*');
  const others = problems.filter(p => !(p.file === filename || p.file === '*'));
  const errors = problems.filter(p => p.severity === 'error').length;
  $('#problem-count').textContent = errors ? errors + ' 处错误' : '校验通过';
  $('#problem-count').className = 'tag ' + (errors ? 'tag-danger' : 'tag-ok');
  box.innerHTML = (mine.concat(others)).map(p =>
    `<li class="problem problem-${esc(p.severity)}" data-element="${esc(p.element || '')}">` +
    `<span class="tag ${p.severity === 'error' ? 'tag-danger' : ''}">${p.severity === 'error' ? '错误' : '提示'}</span> ` +
    `<code>${esc(p.file)}</code>${p.element ? ' · 元素 <code class="el">' + esc(p.element) + '</code>' : ''}：${esc(p.message)}</li>`
  ).join('') || '<li class="problem-none">没有发现问题</li>';
  box.querySelectorAll('li[data-element]').forEach(li => li.addEventListener('click', () => onPick && onPick(li.dataset.element)));
}

export async function saveFile(config, content) {
  const status = $('#save-status');
  status.textContent = '正在保存…';
  const res = await fetch(config.saveUrl, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf() },
    body: JSON.stringify({ content, revision: config.revision })
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    status.textContent = '未保存：' + (body.message || ('HTTP ' + res.status));
    throw new Error(body.message || ('HTTP ' + res.status));
  }
  config.revision = body.revision;
  // China time, as everywhere on the site (not the browser's own time zone)
  status.textContent = '已保存 ' + new Date(body.saved_at).toLocaleTimeString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
  return body.problems;
}

