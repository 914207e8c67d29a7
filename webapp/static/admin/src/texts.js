// The editor of a model version's text table (i18n/en.json): the models' Chinese texts beside
// their English, one row each, so an office administrator changes a translation without
// touching JSON. What it saves is the same file: {"language", "texts": {Chinese: English}}.
import { $, esc, renderProblems, saveFile } from './common';

function rowHtml(source, target) {
  return `<tr><td><input class="t-source" value="${esc(source)}" aria-label="原文"></td>` +
    `<td><input class="t-target" value="${esc(target)}" aria-label="译文"></td>` +
    `<td><button type="button" class="btn btn-ghost btn-sm t-remove">删除</button></td></tr>`;
}

export async function textsEditor(config) {
  const text = await (await fetch(config.fileUrl, { credentials: 'same-origin' })).text();
  let doc;
  try { doc = JSON.parse(text); } catch (e) { doc = {}; }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) doc = {};
  const texts = (doc.texts && typeof doc.texts === 'object' && !Array.isArray(doc.texts)) ? doc.texts : {};
  $('#texts-language').value = typeof doc.language === 'string' ? doc.language : 'en';
  const body = $('#texts-rows');
  body.innerHTML = Object.entries(texts).map(([k, v]) => rowHtml(k, typeof v === 'string' ? v : '')).join('');
  const count = () => { $('#texts-count').textContent = `共 ${body.rows.length} 条`; };
  count();
  body.addEventListener('click', ev => {
    if (ev.target.classList.contains('t-remove')) { ev.target.closest('tr').remove(); count(); }
  });
  $('#texts-add').addEventListener('click', () => {
    body.insertAdjacentHTML('afterbegin', rowHtml('', ''));
    body.querySelector('.t-source').focus();
    count();
  });
  $('#texts-filter').addEventListener('input', ev => {
    const q = ev.target.value.trim().toLowerCase();
    for (const tr of body.rows) {
      const words = [...tr.querySelectorAll('input')].map(i => i.value.toLowerCase()).join(' ');
      tr.hidden = q !== '' && !words.includes(q);
    }
  });
  renderProblems(config.problems, config.filename);
  $('#save').addEventListener('click', async () => {
    const out = { ...doc, language: $('#texts-language').value.trim(), texts: {} };
    for (const tr of body.rows) {
      const source = tr.querySelector('.t-source').value.trim();
      if (source) out.texts[source] = tr.querySelector('.t-target').value.trim();
    }
    renderProblems(await saveFile(config, JSON.stringify(out, null, 1) + '\n'), config.filename);
  });
  window.peidaiReady = true;
  document.documentElement.dataset.peidaiReady = '1';
}
