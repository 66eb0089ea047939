// Gantry inspect page: machines drawn by the server, entities and their histories from the JSON API, live by notices
// over the /live WebSocket (then fetching the delta from /api/changes) or by polling while there are none, and a
// step-through slider over a run's transitions. Hand-written, served by Gantry itself (no CDN).
import { startLive } from './live-client.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);
const page = { entities: new Map(), lastId: 0, selected: null, historyNext: null, step: null, machines: [] };

/** Fetches a JSON endpoint; throws an Error carrying the server's message and hint on failure. */
async function api(path) {
  let res;
  try {
    res = await fetch(path, { cache: 'no-store' });
  } catch (err) {
    throw Object.assign(new Error(`the inspection server is unreachable (${err.message})`), { hint: 'it restarts with the engine or gantry inspect; the page reconnects by itself' });
  }
  const body = await res.json();
  if (!res.ok) throw Object.assign(new Error(body.error || `HTTP ${res.status}`), { hint: body.hint });
  return body;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

/** Shows a failed load or fetch: the error's message (capitalised) and its hint. */
function showError(err) {
  showStatus('error', `${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}${err.hint ? ` — ${err.hint}` : ''}. Retrying…`);
}

function showStatus(state, text) {
  const s = $('status');
  s.dataset.state = state;
  s.textContent = text;
}

const keyOf = (type, id) => `${type}/${id}`;

/** Draws the eight machines once, from the server's SVGs. */
function drawMachines(machines) {
  page.machines = machines;
  const box = $('machines');
  box.replaceChildren();
  for (const m of machines) {
    const section = el('section', { class: 'machine', 'data-machine': m.entity_type });
    section.append(el('h2', {}, `${m.entity_type} — ${m.states.length} states, ${m.edges.length} edges`));
    const holder = el('div', { class: 'svg' });
    holder.innerHTML = m.svg; // produced by the server from the machine definition, not from database text
    section.append(holder);
    // Machines laid out wider than a grid cell take a whole row, so their labels stay readable.
    if (Number(holder.querySelector('svg')?.getAttribute('width')) > 640) section.classList.add('wide');
    box.append(section);
  }
}

const svgOf = (type) => document.querySelector(`.machine[data-machine="${type}"] svg`);

/** Marks, on every machine, how many entities are in each state, the selected entity's state, and the step's edge. */
function paintStates() {
  const counts = new Map();
  if (page.step) for (const c of page.step.counts) counts.set(keyOf(c.entity_type, c.state), c.n);
  else for (const e of page.entities.values()) counts.set(keyOf(e.entity_type, e.state), (counts.get(keyOf(e.entity_type, e.state)) || 0) + 1);
  const sel = page.selected && page.entities.get(keyOf(page.selected.type, page.selected.id));
  const cur = page.step && page.step.transition;
  for (const m of page.machines) {
    const svg = svgOf(m.entity_type);
    if (!svg) continue;
    svg.querySelectorAll('text.badge').forEach((t) => t.remove());
    svg.querySelectorAll('.current').forEach((g) => g.classList.remove('current'));
    for (const g of svg.querySelectorAll('g.state')) {
      const n = counts.get(keyOf(m.entity_type, g.dataset.state)) || 0;
      g.dataset.count = String(n);
      g.classList.toggle('occupied', n > 0);
      g.classList.toggle('selected', Boolean(sel && !page.step && sel.entity_type === m.entity_type && sel.state === g.dataset.state));
      if (n > 0) {
        const r = g.querySelector('rect');
        const t = document.createElementNS(SVG_NS, 'text');
        t.setAttribute('class', 'badge');
        t.setAttribute('x', String(Number(r.getAttribute('x')) + Number(r.getAttribute('width')) - 4));
        t.setAttribute('y', String(Number(r.getAttribute('y')) + 12));
        t.setAttribute('text-anchor', 'end');
        t.textContent = String(n);
        g.append(t);
      }
    }
    if (cur && cur.entity_type === m.entity_type) {
      svg.querySelector(`g.state[data-state="${CSS.escape(cur.to)}"]`)?.classList.add('current');
      if (cur.from) svg.querySelectorAll(`g.edge[data-from="${CSS.escape(cur.from)}"][data-to="${CSS.escape(cur.to)}"]`).forEach((g) => g.classList.add('current'));
    }
  }
}

function entityButton(e) {
  const selected = page.selected && page.selected.type === e.entity_type && page.selected.id === e.id;
  const b = el('button', { type: 'button', class: 'entity', 'data-type': e.entity_type, 'data-id': e.id, 'aria-selected': selected ? 'true' : 'false' },
    el('span', { class: 'kind' }, e.entity_type), el('span', { class: 'id' }, e.id), el('span', { class: 'state' }, e.state));
  b.addEventListener('click', () => select(e.entity_type, e.id));
  return b;
}

function list(items, childrenOf) {
  const ul = el('ul');
  for (const e of items) {
    const li = el('li', {}, entityButton(e));
    const kids = childrenOf ? childrenOf(e) : null;
    if (kids) li.append(kids);
    ul.append(li);
  }
  return ul;
}

function groupLi(label, items, childrenOf) {
  return items.length ? el('li', {}, el('div', { class: 'group' }, `${label} (${items.length})`), list(items, childrenOf)) : null;
}

/** Runs → workstreams → tasks, then each run's patches, gates and workers; entities without a run below. */
function drawTree() {
  const all = [...page.entities.values()];
  const of = (type, pred) => all.filter((e) => e.entity_type === type && pred(e));
  const runIds = new Set(of('run', () => true).map((r) => r.id));
  const root = el('ul');
  const runChildren = (run) => {
    const ul = el('ul');
    const wsChildren = (ws) => { const t = of('task', (x) => x.workstream_id === ws.id); return t.length ? list(t) : null; };
    for (const [label, type, pred] of [
      ['workstreams', 'workstream', (x) => x.run_id === run.id],
      ['tasks without workstream', 'task', (x) => x.run_id === run.id && !x.workstream_id],
      ['patches', 'patch_ledger', (x) => x.run_id === run.id], ['gates', 'test_gate', (x) => x.run_id === run.id],
      ['workers', 'worker', (x) => x.run_id === run.id], ['UET workers', 'uet_worker', (x) => x.run_id === run.id],
    ]) { const li = groupLi(label, of(type, pred), type === 'workstream' ? wsChildren : null); if (li) ul.append(li); }
    return ul;
  };
  const runsLi = groupLi('runs', of('run', () => true), runChildren);
  if (runsLi) root.append(runsLi);
  const loose = (x) => !x.run_id || !runIds.has(x.run_id);
  for (const [label, type] of [['workstreams', 'workstream'], ['tasks', 'task'], ['patches', 'patch_ledger'], ['gates', 'test_gate'],
    ['workers', 'worker'], ['UET workers', 'uet_worker'], ['breakers', 'circuit_breaker']]) {
    const li = groupLi(type === 'circuit_breaker' ? label : `${label} without a run`, of(type, loose), null);
    if (li) root.append(li);
  }
  $('tree').replaceChildren(all.length ? root : el('p', { class: 'muted' }, 'No entities yet.'));
  const select = $('run-select');
  const current = select.value;
  const runs = of('run', () => true);
  select.replaceChildren(el('option', { value: '' }, '(choose a run)'), ...runs.map((r) => el('option', { value: r.id }, `${r.id} (${r.state})`)));
  select.value = runs.some((r) => r.id === current) ? current : '';
}

function historyRow(t) {
  const mark = { ok: '✓ hash ok', linked: '✓ linked', broken: '✗ broken' }[t.chain];
  return el('tr', { 'data-seq': String(t.seq) }, el('td', {}, String(t.seq)), el('td', {}, t.time), el('td', {}, t.from ?? '∅'),
    el('td', {}, t.to), el('td', {}, t.trigger), el('td', {}, t.reason ?? ''), el('td', {}, t.operator ?? ''),
    el('td', { class: `chain-${t.chain}`, title: t.problem ?? '' }, mark));
}

/** Loads (or appends the next page of) the selected entity's audit history. */
async function loadHistory(more = false) {
  const s = page.selected;
  if (!s) return;
  const after = more ? page.historyNext : 0;
  const h = await api(`/api/entity/${encodeURIComponent(s.type)}/${encodeURIComponent(s.id)}/history?after=${after}&limit=200`);
  if (page.selected !== s) return;
  $('detail-title').textContent = `${h.entity_type} ${h.id} — state ${h.state}, version ${h.version}, hash chain ${h.chain}`;
  $('detail').dataset.chain = h.chain;
  const body = $('history').tBodies[0];
  if (!more) body.replaceChildren();
  for (const t of h.transitions) body.append(historyRow(t));
  $('history').hidden = false;
  page.historyNext = h.next;
  $('history-more').hidden = h.next === null;
}

async function select(type, id) {
  page.selected = { type, id };
  drawTree();
  paintStates();
  svgOf(type)?.closest('.machine')?.scrollIntoView({ block: 'nearest' });
  await loadHistory().catch((err) => showStatus('error', `Could not load the history: ${err.message}`));
}

/** Shows the run as it stood after step `k` of its transitions. */
async function showStep(k) {
  const runId = $('run-select').value;
  if (!runId) return;
  const s = await api(`/api/runs/${encodeURIComponent(runId)}/step/${k}`);
  if ($('run-select').value !== runId || Number($('step-slider').value) !== k) return;
  page.step = s;
  const t = s.transition;
  $('step-label').textContent = `Step ${k} of ${$('step-slider').max}: ${t.entity_type} ${t.entity_id} ${t.from ?? '∅'} → ${t.to} (${t.trigger}) at ${t.time}`;
  $('step-label').dataset.step = String(k);
  $('step-live').disabled = false;
  paintStates();
}

async function chooseRun() {
  const runId = $('run-select').value;
  const slider = $('step-slider');
  for (const id of ['step-prev', 'step-next']) $(id).disabled = !runId;
  slider.disabled = !runId;
  if (!runId) return goLive();
  const r = await api(`/api/runs/${encodeURIComponent(runId)}`);
  slider.max = String(Math.max(1, r.transitions));
  slider.value = slider.max;
  await showStep(Number(slider.value));
}

function goLive() {
  page.step = null;
  $('step-live').disabled = true;
  $('step-label').textContent = 'Live view: machine states show every entity’s current state.';
  delete $('step-label').dataset.step;
  paintStates();
}

function moveSlider(delta) {
  const s = $('step-slider');
  s.value = String(Math.min(Number(s.max), Math.max(1, Number(s.value) + delta)));
  void showStep(Number(s.value));
}

/** Applies new audit rows to the entity map; true when anything changed. */
function applyChanges(rows) {
  for (const r of rows) {
    const key = keyOf(r.entity_type, r.entity_id);
    const e = page.entities.get(key);
    if (e) Object.assign(e, { state: r.to, version: r.seq, updated_at: r.time });
    else page.entities.set(key, { entity_type: r.entity_type, id: r.entity_id, state: r.to, version: r.seq, updated_at: r.time, run_id: r.run_id, workstream_id: r.workstream_id, task_id: null });
    page.lastId = Math.max(page.lastId, r.id);
  }
  return rows.length > 0;
}

/** Fetches the audit rows after the last one seen (a few pages at most) and redraws what changed. */
async function fetchChanges() {
  const rows = [];
  for (let i = 0; i < 20; i++) {
    const c = await api(`/api/changes?after=${page.lastId}&limit=500`);
    if ($('status').dataset.state === 'error') await start();
    applyChanges(c.transitions);
    rows.push(...c.transitions);
    if (c.transitions.length < 500) break;
  }
  if (!rows.length) return;
  if ($('status').dataset.state === 'empty') showStatus('ok', '');
  drawTree();
  paintStates();
  const s = page.selected;
  if (s && rows.some((t) => t.entity_type === s.type && t.entity_id === s.id)) await loadHistory();
  const run = $('run-select').value;
  if (run && rows.some((t) => t.run_id === run || t.entity_id === run)) {
    const r = await api(`/api/runs/${encodeURIComponent(run)}`);
    $('step-slider').max = String(Math.max(1, r.transitions));
  }
}

/** Loads status, machines and entities; shows a clear message when the database is empty or unreachable. */
async function start() {
  try {
    const status = await api('/api/status');
    $('database').textContent = `${status.database.kind} · ${status.database.target}${status.verified ? ' · hashes recomputed' : ''}`;
    if (!page.machines.length) drawMachines(await api('/api/machines'));
    const { entities } = await api('/api/entities');
    page.entities = new Map(entities.map((e) => [keyOf(e.entity_type, e.id), e]));
    page.lastId = status.last_id;
    if (status.empty) showStatus('empty', 'The database is empty: no runs or entities yet. Start a run (gantry run PLAN) and it appears here live.');
    else showStatus('ok', '');
    drawTree();
    paintStates();
  } catch (err) {
    showError(err);
    if (!page.machines.length) api('/api/machines').then(drawMachines).catch(() => {});
  }
}

$('run-select').addEventListener('change', () => void chooseRun());
$('step-slider').addEventListener('input', () => void showStep(Number($('step-slider').value)));
$('step-prev').addEventListener('click', () => moveSlider(-1));
$('step-next').addEventListener('click', () => moveSlider(1));
$('step-live').addEventListener('click', () => { $('run-select').value = ''; void chooseRun(); });
$('history-more').addEventListener('click', () => void loadHistory(true));
await start();
startLive({
  box: $('live'),
  fetchChanges,
  reload: start,
  lastId: () => page.lastId,
  onError: showError,
});
