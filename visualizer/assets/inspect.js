// Gantry inspect page, built around runs: runs list → a run (graph coloured by state, counts, timeline of attempts,
// entity panel), every run and entity at its own URL (hash routes), a step slider that moves the whole run view to a
// point in time, the machines on their own view. Live by notices over the /live WebSocket (then fetching the delta
// from /api/changes) or by polling. Hand-written, served by Gantry itself (no CDN, no framework).
import { startLive } from './live-client.js';
import { closePanel, openPanel, paintPanel, panelEntity } from './entity-panel.js';
import { drawGraph, drawTimeline, paintGraph } from './run-graph.js';
import { $, api, clipped, duration, el, keyOf, learnKinds, parseRoute, routes, showError, showStatus, stateClass } from './page-util.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const page = { entities: new Map(), lastId: 0, machines: [], route: { view: 'runs' }, run: null, current: new Map(), graph: null, timeline: null, step: null, stepStates: null, loading: null, pendingStep: null };

function showView(name) {
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== `view-${name}`;
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.view === (name === 'run' ? 'runs' : name));
}

// ---- runs list ----
async function drawRuns() {
  const { runs } = await api('/api/runs?limit=200');
  const body = $('runs-table').tBodies[0];
  body.replaceChildren(...runs.map((r) => {
    const tasks = Object.entries(r.tasks).map(([s, n]) => el('span', { class: `count ${stateClass('task', s)}` }, `${n} ${s}`));
    const took = r.started_at && r.completed_at ? duration(Date.parse(r.completed_at) - Date.parse(r.started_at)) : r.started_at ? 'running' : '—';
    return el('tr', { 'data-run': r.id }, el('td', { class: 'run-cell' }, el('a', { class: 'run-link clip', href: routes.run(r.id), title: r.id }, r.id)),
      el('td', {}, el('span', { class: `state-pill ${stateClass('run', r.state)}` }, r.state)), el('td', {}, r.created_at), el('td', {}, took), el('td', { class: 'counts' }, ...tasks));
  }));
  if (!runs.length) body.append(el('tr', {}, el('td', { colspan: '5', class: 'muted' }, 'No runs yet.')));
}

// ---- one run ----
const nowState = (type, id) => page.current.get(keyOf(type, id))?.state ?? null;
const nowReason = (type, id) => page.current.get(keyOf(type, id))?.reason ?? null;
const stateAt = (type, id) => (page.step ? page.stepStates.get(keyOf(type, id)) ?? null : nowState(type, id));

/** Loads run `runId` into the run view; a load of the same run already under way is shared, not repeated. */
function loadRun(runId) {
  if (page.loading?.runId === runId) return page.loading.done;
  const done = fetchRun(runId).finally(() => {
    if (page.loading?.done === done) page.loading = null;
  });
  page.loading = { runId, done };
  return done;
}

async function fetchRun(runId) {
  const v = await api(`/api/runs/${encodeURIComponent(runId)}/view`);
  if (page.route.runId !== runId) return;
  // A step chosen (or being fetched) while the run loaded stays: the reload must not jump the view back to now.
  const stepping = page.pendingStep !== null || (page.step !== null && page.step.run_id === runId);
  page.run = v;
  page.current = new Map(v.entities.map((e) => [keyOf(e.entity_type, e.id), e]));
  page.current.set(keyOf('run', v.run.id), { state: v.run.state, reason: v.run.reason });
  if (!stepping) page.step = null;
  $('run-title').textContent = v.run.id;
  $('run-title').title = v.run.id;
  $('run-reason').textContent = v.run.reason ?? '';
  $('run-reason').hidden = !v.run.reason;
  // Issue 15: what the run's tools reported they spent (gantry-usage lines), as `gantry status` shows it.
  const u = v.run.usage;
  $('run-usage').textContent = u ? `usage: ${u.input_tokens} in + ${u.output_tokens} out tokens, $${Math.round(u.cost_usd * 1e4) / 1e4}` : '';
  $('run-usage').hidden = !u;
  const t0 = performance.now();
  page.graph = drawGraph($('run-graph'), v);
  page.timeline = drawTimeline($('timeline'), v);
  $('run-graph').dataset.renderMs = String(Math.round(performance.now() - t0));
  $('run-graph').dataset.entities = String(v.entities.length);
  const slider = $('step-slider');
  slider.max = String(Math.max(1, v.transitions));
  if (stepping) return;
  slider.value = slider.max;
  $('step-label').textContent = `Now: every entity’s current state (${v.transitions} audit rows; step back to see any point).`;
  delete $('step-label').dataset.step;
  $('step-live').disabled = true;
}

function drawCounts(counts) {
  const byType = new Map();
  for (const c of counts) byType.set(c.entity_type, [...(byType.get(c.entity_type) ?? []), c]);
  const order = ['run', 'workstream', 'task', 'test_gate', 'patch_ledger', 'worker', 'uet_worker', 'circuit_breaker'];
  $('run-counts').replaceChildren(...order.filter((t) => byType.has(t)).map((t) => el('div', { class: 'count-group', 'data-type': t }, el('span', { class: 'muted' }, `${t}:`),
    ...byType.get(t).map((c) => el('span', { class: `count ${stateClass(t, c.state)}`, 'data-type': t, 'data-state': c.state, 'data-n': String(c.n) }, `${c.n} ${c.state}`)))));
}

/** Moves the whole run view (graph, counts, run state, timeline cursor, panel) to the shown point in time. */
function paintRun() {
  const v = page.run;
  if (!v) return;
  const sel = page.route.type ? keyOf(page.route.type, page.route.id) : null;
  paintGraph(page.graph, stateAt, (t, id, s) => (s === nowState(t, id) ? nowReason(t, id) : null), sel);
  drawCounts(page.step ? page.step.counts : v.counts);
  const rs = stateAt('run', v.run.id);
  $('run-state').className = `state-pill ${stateClass('run', rs, rs === v.run.state ? v.run.reason : null)}`;
  $('run-state').textContent = rs ?? 'not created yet';
  $('run-reason').hidden = !(v.run.reason && rs === v.run.state);
  page.timeline.cursor(page.step ? Date.parse(page.step.transition.time) : null);
  const e = panelEntity();
  if (e) paintPanel(page.step ? { id: page.step.transition.id, state: page.stepStates.get(keyOf(e.type, e.id)) ?? null } : null);
}

async function showStep(k) {
  const runId = page.run?.run.id;
  if (!runId) return;
  const t0 = performance.now();
  page.pendingStep = k;
  const s = await api(`/api/runs/${encodeURIComponent(runId)}/step/${k}`).finally(() => {
    if (page.pendingStep === k) page.pendingStep = null;
  });
  if (page.run?.run.id !== runId || Number($('step-slider').value) !== k) return;
  page.step = s;
  page.stepStates = new Map(s.states.map((x) => [keyOf(x.entity_type, x.id), x.state]));
  const t = s.transition;
  $('step-label').textContent = `Step ${k} of ${$('step-slider').max} · ${t.time}: ${t.entity_type} ${t.entity_id} ${t.from ?? '∅'} → ${t.to} (${t.trigger})`;
  $('step-label').dataset.step = String(k);
  $('step-live').disabled = false;
  paintRun();
  $('step-label').dataset.ms = String(Math.round(performance.now() - t0)); // fetch + repaint, read by bench/inspect-render.bench.ts
}

function goNow() {
  page.step = null;
  page.pendingStep = null;
  $('step-slider').value = $('step-slider').max;
  $('step-live').disabled = true;
  $('step-label').textContent = 'Now: every entity’s current state.';
  delete $('step-label').dataset.step;
  paintRun();
}

function moveSlider(d) {
  const s = $('step-slider');
  const k = Math.min(Number(s.max), Math.max(1, Number(s.value) + d));
  s.value = String(k);
  void showStep(k);
}

// ---- machines ----
function drawMachines(machines) {
  page.machines = machines;
  learnKinds(machines);
  $('machines').replaceChildren(...machines.map((m) => {
    const section = el('section', { class: 'machine', 'data-machine': m.entity_type, id: `machine-${m.entity_type}` });
    section.append(el('h2', {}, el('a', { href: routes.machine(m.entity_type) }, m.entity_type), ` — ${m.states.length} states, ${m.edges.length} edges`));
    const holder = el('div', { class: 'svg' });
    holder.innerHTML = m.svg; // produced by the server from the machine definition, not from database text
    section.append(holder);
    if (Number(holder.querySelector('svg')?.getAttribute('width')) > 640) section.classList.add('wide');
    return section;
  }));
}

/** Marks on every machine how many entities are in each state, and the state the URL names. */
function paintMachines() {
  const counts = new Map();
  for (const e of page.entities.values()) counts.set(keyOf(e.entity_type, e.state), (counts.get(keyOf(e.entity_type, e.state)) || 0) + 1);
  const r = page.route.view === 'machines' ? page.route : {};
  for (const m of page.machines) {
    const svg = document.querySelector(`.machine[data-machine="${m.entity_type}"] svg`);
    if (!svg) continue;
    svg.querySelectorAll('text.badge').forEach((t) => t.remove());
    for (const g of svg.querySelectorAll('g.state')) {
      const n = counts.get(keyOf(m.entity_type, g.dataset.state)) || 0;
      g.dataset.count = String(n);
      g.classList.toggle('occupied', n > 0);
      g.classList.toggle('highlight', r.type === m.entity_type && r.state === g.dataset.state);
      g.setAttribute('class', `${[...g.classList].filter((c) => !c.startsWith('st-')).join(' ')} ${stateClass(m.entity_type, g.dataset.state)}`);
      if (n > 0) {
        const rect = g.querySelector('rect');
        const t = document.createElementNS(SVG_NS, 'text');
        t.setAttribute('class', 'badge');
        t.setAttribute('x', String(Number(rect.getAttribute('x')) + Number(rect.getAttribute('width')) - 4));
        t.setAttribute('y', String(Number(rect.getAttribute('y')) + 12));
        t.setAttribute('text-anchor', 'end');
        t.textContent = String(n);
        g.append(t);
      }
    }
  }
  $('machines-note').textContent = r.type ? `${r.type}${r.state ? `: state ${r.state} highlighted` : ''}` : 'Each machine drawn from its definition; numbers are how many entities are in each state now.';
}

// ---- all entities ----
function entityButton(e) {
  const b = el('button', { type: 'button', class: 'entity', 'data-type': e.entity_type, 'data-id': e.id, title: `${e.entity_type} ${e.id}: ${e.state}` },
    el('span', { class: 'kind' }, e.entity_type), clipped('span', 'id', e.id), el('span', { class: `state ${stateClass(e.entity_type, e.state)}` }, e.state));
  b.addEventListener('click', () => (location.hash = routes.entity(e.run_id && e.entity_type !== 'worker' && e.entity_type !== 'uet_worker' ? e.run_id : null, e.entity_type, e.id)));
  return b;
}

function drawTree() {
  const all = [...page.entities.values()];
  const byType = new Map();
  for (const e of all) byType.set(e.entity_type, [...(byType.get(e.entity_type) ?? []), e]);
  const root = el('ul');
  for (const m of page.machines) {
    const items = byType.get(m.entity_type) ?? [];
    if (items.length) root.append(el('li', {}, el('div', { class: 'group' }, `${m.entity_type} (${items.length})`), el('ul', {}, ...items.map((e) => el('li', {}, entityButton(e))))));
  }
  $('tree').replaceChildren(all.length ? root : el('p', { class: 'muted' }, 'No entities yet.'));
}

// ---- routing ----
async function render() {
  const r = parseRoute(location.hash);
  const runChanged = r.view !== 'run' || page.route.view !== 'run' || page.route.runId !== r.runId;
  page.route = r;
  showView(r.view);
  try {
    if (r.view === 'runs') await drawRuns();
    if (r.view === 'run') {
      $('panel-slot').append($('detail'));
      if (runChanged) Object.assign(page, { step: null, pendingStep: null });
      if (runChanged || !page.run) await loadRun(r.runId);
      if (r.type && r.id) await openPanel(r.type, r.id, r.runId).then(paintRun).catch(showError);
      else closePanel();
      paintRun();
      // When the graph is on screen (after the next frame), in ms since the page's navigation: bench/inspect-render.bench.ts.
      requestAnimationFrame(() => setTimeout(() => ($('run-graph').dataset.readyMs = String(Math.round(performance.now())))));
    }
    if (r.view === 'machines') {
      paintMachines();
      if (r.type) $(`machine-${r.type}`)?.scrollIntoView({ block: 'start' });
    }
    if (r.view === 'entities') {
      $('entities-slot').append($('detail'));
      drawTree();
      if (r.type && r.id) await openPanel(r.type, r.id, null);
      else closePanel();
    }
  } catch (err) {
    if (err.status === 404) showStatus('error', err.message);
    else showError(err);
  }
}

// ---- live ----
function applyChanges(rows) {
  for (const r of rows) {
    const key = keyOf(r.entity_type, r.entity_id);
    const e = page.entities.get(key);
    if (e) Object.assign(e, { state: r.to, version: r.seq, updated_at: r.time });
    else page.entities.set(key, { entity_type: r.entity_type, id: r.entity_id, state: r.to, version: r.seq, updated_at: r.time, run_id: r.run_id, workstream_id: r.workstream_id, task_id: null });
    page.lastId = Math.max(page.lastId, r.id);
  }
}

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
  paintMachines();
  const r = page.route;
  if (r.view === 'runs') await drawRuns();
  if (r.view === 'run' && page.run && rows.some((t) => t.run_id === r.runId || t.entity_id === r.runId)) {
    if (page.step) $('step-slider').max = String((await api(`/api/runs/${encodeURIComponent(r.runId)}`)).transitions);
    else {
      await loadRun(r.runId);
      if (panelEntity()) await openPanel(r.type, r.id, r.runId);
      paintRun();
    }
  } else if (panelEntity() && rows.some((t) => t.entity_type === panelEntity().type && t.entity_id === panelEntity().id)) {
    const e = panelEntity();
    await openPanel(e.type, e.id, e.runId);
  }
}

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
    paintMachines();
    page.run = null;
    await render();
  } catch (err) {
    showError(err);
    if (!page.machines.length) api('/api/machines').then(drawMachines).catch(() => {});
  }
}

window.addEventListener('hashchange', () => void render());
$('step-slider').addEventListener('input', () => void showStep(Number($('step-slider').value)));
$('step-prev').addEventListener('click', () => moveSlider(-1));
$('step-next').addEventListener('click', () => moveSlider(1));
$('step-live').addEventListener('click', goNow);
await start();
startLive({ box: $('live'), fetchChanges, reload: start, lastId: () => page.lastId, onError: showError });
