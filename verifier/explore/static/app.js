// verifier explore: the page. It only talks to its own server (the JSON API in
// docs/explore.md) and puts every string from the spec on the page as text
// (textContent), never as markup; the timeline SVG comes escaped from the server.
'use strict';

const $ = (id) => document.getElementById(id);
let loaded = null;  // {name, text} of the last file loaded, to pick another trace of it

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'onclick') node.addEventListener('click', v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);  // strings become text nodes
  return node;
}

function message(text, isError) {
  const m = $('message');
  m.textContent = text || '';
  m.className = isError ? 'error' : '';
}

async function call(method, path, body) {
  const init = {method, headers: {}};
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const reply = await fetch(path, init);
  const doc = await reply.json();
  if (!reply.ok) throw new Error(doc.error || reply.statusText);
  return doc;
}

async function act(path, body, note) {
  try {
    const view = await call('POST', path, body);
    render(view);
    message(note || '');
    return view;
  } catch (e) {
    message(e.message, true);
    document.body.dataset.error = e.message;
    return null;
  }
}

function renderActions(view) {
  const box = $('actions');
  box.replaceChildren();
  $('actions-title').textContent = `Enabled actions (${view.actions.length})`;
  if (view.error) {
    box.append(el('p', {class: 'error-line'}, 'The last step raised a run-time error: ' + view.error));
    return;
  }
  if (!view.actions.length) {
    box.append(el('p', {class: 'muted'}, 'No action is enabled here (a deadlock, or every fault cap is used up).'));
  }
  const groups = new Map();
  for (const a of view.actions) {
    if (!groups.has(a.action)) groups.set(a.action, []);
    groups.get(a.action).push(a);
  }
  for (const [name, items] of groups) {
    const head = el('h3', {}, name);
    if (items[0].fault) head.append(el('span', {class: 'fault-tag'}, 'fault'));
    const buttons = el('div', {class: 'action-buttons'});
    for (const a of items) {
      let text = a.label;
      if (a.branches > 1) text += ` #${a.branch + 1}`;
      const title = a.error ? 'raises: ' + a.error : (a.changes.join('\n') || 'changes nothing');
      const cls = 'act' + (a.fault ? ' fault' : '') + (a.error ? ' error' : '');
      buttons.append(el('button', {type: 'button', class: cls, title, dataset: {id: String(a.id), label: a.label},
                                   onclick: () => act('/step', {id: a.id})}, text));
    }
    box.append(el('div', {class: 'action-group'}, head, buttons));
  }
}

function renderState(view) {
  const box = $('state');
  box.replaceChildren();
  $('state-title').textContent = `State after step ${view.step}`;
  for (const v of view.variables) {
    const table = el('table', {class: 'var', dataset: {var: v.name}});
    table.append(el('caption', {class: v.changed ? 'changed' : ''}, v.name));
    if (v.kind === 'grid') {
      const head = el('tr', {}, el('th', {}, ''));
      for (const c of v.cols) head.append(el('th', {}, c));
      table.append(el('thead', {}, head));
    }
    const body = el('tbody');
    for (const row of v.rows) {
      const tr = el('tr');
      if (v.kind !== 'value') tr.append(el('th', {}, row.key));
      for (const c of row.cells) tr.append(el('td', {class: c.changed ? 'changed' : ''}, c.text));
      body.append(tr);
    }
    table.append(body);
    box.append(table);
  }
}

function renderProperties(view) {
  const list = $('props');
  list.replaceChildren();
  for (const p of view.properties) {
    let verdict;
    if (p.error) verdict = el('span', {class: 'fails'}, 'error');
    else if (p.holds === null) verdict = el('span', {class: 'muted'}, '-');
    else if (p.kind === 'invariant') verdict = el('span', {class: p.holds ? 'holds' : 'fails'}, p.holds ? 'holds' : 'violated');
    else verdict = el('span', {class: p.holds ? 'holds' : 'muted'}, p.holds ? 'reached' : 'not here');
    const item = el('li', {dataset: {prop: p.name, holds: String(p.holds)}},
                    verdict, ' ', el('code', {}, p.name), ' ', el('span', {class: 'muted'}, p.kind));
    if (p.doc) item.append(el('span', {class: 'doc'}, p.doc));
    if (p.error) item.append(el('span', {class: 'doc'}, p.error));
    list.append(item);
  }
}

function renderPath(view) {
  const box = $('timeline');
  box.innerHTML = view.timeline;  // escaped SVG from verifier/reports/svg.py
  for (const a of box.querySelectorAll('a.step')) {
    if (a.dataset.step === String(view.step)) a.classList.add('current');
  }
  const list = $('path');
  list.replaceChildren();
  for (const s of view.path) {
    const cls = (s.fault ? 'fault' : '') + (s.step === view.step ? ' current' : '');
    list.append(el('li', {}, el('button', {type: 'button', class: cls, dataset: {step: String(s.step)},
                                           onclick: () => act('/jump', {step: s.step})},
                                `${s.step}. ${s.label}`)));
  }
}

function render(view) {
  $('model').textContent = view.model;
  const from = view.source ? ` — loaded from ${view.source}` : '';
  $('where').textContent = `${view.spec}: step ${view.step} of ${view.length}${from}`;
  $('back').disabled = view.step === 0;
  $('forward').disabled = view.step >= view.length;
  $('undo').disabled = view.length === 0;
  const initial = $('initial');
  $('initial-box').hidden = view.initial_count < 2;
  if (initial.options.length !== view.initial_count) {
    initial.replaceChildren(...Array.from({length: view.initial_count}, (_, i) => el('option', {value: String(i)}, String(i))));
  }
  initial.value = String(view.initial);
  renderPath(view);
  renderActions(view);
  renderState(view);
  renderProperties(view);
  document.body.dataset.step = String(view.step);
  document.body.dataset.length = String(view.length);
  document.body.dataset.ready = '1';
}

async function loadFile(file, property) {
  const body = {name: file.name, text: file.text};
  if (property) body.property = property;
  const view = await act('/load', body, `loaded ${file.name}` + (property ? ` (${property})` : ''));
  if (view && view.offered) {
    const select = $('prop');
    select.replaceChildren(...view.offered.map((p) => el('option', {value: p}, p)));
    if (property) select.value = property;
    $('prop-box').hidden = view.offered.length < 2;
  }
}

function start() {
  $('reset').addEventListener('click', () => act('/reset', {initial: Number($('initial').value || 0)}));
  $('back').addEventListener('click', () => act('/back', {}));
  $('forward').addEventListener('click', () => act('/forward', {}));
  $('undo').addEventListener('click', () => act('/undo', {}));
  $('initial').addEventListener('change', () => act('/reset', {initial: Number($('initial').value)}));
  $('load').addEventListener('change', async () => {
    const f = $('load').files[0];
    if (!f) return;
    loaded = {name: f.name, text: await f.text()};
    await loadFile(loaded, null);
  });
  $('prop').addEventListener('change', () => { if (loaded) loadFile(loaded, $('prop').value); });
  $('timeline').addEventListener('click', (e) => {
    const a = e.target.closest('a.step');
    if (a) { e.preventDefault(); act('/jump', {step: Number(a.dataset.step)}); }
  });
  document.addEventListener('keydown', (e) => {
    if (e.target.tagName === 'INPUT' || e.target.tagName === 'SELECT') return;
    if (e.key === 'ArrowLeft') act('/back', {});
    if (e.key === 'ArrowRight') act('/forward', {});
  });
  call('GET', '/state').then(render, (e) => message(e.message, true));
}

start();
