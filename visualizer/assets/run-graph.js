// Gantry inspect page: a run's graph (workstreams as lanes, their tasks in dependency order, each task's gates and
// patches as chips, dependencies as arrows) and its timeline of attempts. HTML nodes (ellipsis + title: long ids never
// clip) over one SVG of edges; painting a point in time only swaps class names, so a 1,000-task run steps quickly.
import { clipped, duration, el, keyOf, routes, stateClass } from './page-util.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const LANE_W = 250;
const LANE_GAP = 36;
const HEAD_H = 44;
const NODE_H = 30;
const CHIP_ROW = 20;
const ROW_GAP = 14;
const CHIPS_PER_ROW = 3;

/** The tasks in dependency order (each after what it depends on, else in id order), so chains stay together. */
function topoOrder(tasks, byId) {
  const sorted = [...tasks].sort((a, b) => a.id.localeCompare(b.id));
  const mine = new Set(sorted.map((t) => t.id));
  const out = [];
  const seen = new Set();
  const visit = (t) => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    for (const d of t.depends_on) if (mine.has(d)) visit(byId.get(d));
    out.push(t);
  };
  for (const t of sorted) visit(t);
  return out;
}

/** `id` without the first of `bases` it is namespaced under (`demo.core.build` in lane `demo.core` reads `build`, `demo.build` reads `build`). */
function short(id, ...bases) {
  const base = bases.find((b) => b && id.startsWith(`${b}.`));
  return base ? id.slice(base.length + 1) : id;
}

function node(runId, e, label, cls) {
  const a = el('a', { class: `node ${cls}`, href: routes.entity(runId, e.entity_type, e.id), 'data-type': e.entity_type, 'data-id': e.id, title: `${e.entity_type} ${e.id}` });
  a.append(clipped('span', 'label', label, { title: e.id }), el('span', { class: 'state' }));
  return a;
}

/**
 * Draws run `view` into `box`; returns `{ nodes, edges }`: `type:id` → the element(s) drawing that entity (a lane
 * head, a task node, a chip), for {@link paintGraph}.
 */
export function drawGraph(box, view) {
  const runId = view.run.id;
  const all = view.entities;
  const byId = new Map(all.filter((e) => e.entity_type === 'task').map((e) => [e.id, e]));
  const lanes = [...all.filter((e) => e.entity_type === 'workstream'), null];
  const childrenOf = new Map();
  for (const e of all) if ((e.entity_type === 'test_gate' || e.entity_type === 'patch_ledger') && e.task_id && byId.has(e.task_id)) {
    childrenOf.set(e.task_id, [...(childrenOf.get(e.task_id) ?? []), e]);
  }
  const nodes = new Map();
  const put = (e, elem) => nodes.set(keyOf(e.entity_type, e.id), [...(nodes.get(keyOf(e.entity_type, e.id)) ?? []), elem]);
  const layer = el('div', { class: 'graph-nodes' });
  const pos = new Map();
  let height = 0;
  let x = 0;
  for (const ws of lanes) {
    const wsId = ws ? ws.id : null;
    const tasks = all.filter((e) => e.entity_type === 'task' && (e.workstream_id ?? null) === wsId);
    const loose = all.filter((e) => (e.entity_type === 'test_gate' || e.entity_type === 'patch_ledger') && (e.workstream_id ?? null) === wsId && !(e.task_id && byId.has(e.task_id)));
    if (!ws && !tasks.length && !loose.length) continue;
    const lane = el('div', { class: 'lane', style: `left:${x}px;width:${LANE_W}px`, 'data-workstream': wsId ?? '' });
    if (ws) {
      const head = node(runId, ws, short(ws.id, runId), 'ws');
      head.style.cssText = `left:0;top:0;width:${LANE_W}px;height:${HEAD_H - 10}px`;
      lane.append(head);
      put(ws, head);
      pos.set(keyOf('workstream', ws.id), { x: x + LANE_W / 2, top: 0, bottom: HEAD_H - 10 });
    } else lane.append(el('div', { class: 'lane-title muted' }, 'without a workstream'));
    let y = HEAD_H;
    for (const t of [...topoOrder(tasks, byId), ...loose]) {
      const kids = t.entity_type === 'task' ? childrenOf.get(t.id) ?? [] : [];
      const h = NODE_H + Math.ceil(kids.length / CHIPS_PER_ROW) * CHIP_ROW;
      const n = node(runId, t, short(t.id, wsId, runId), t.entity_type === 'task' ? 'task' : 'chip-node');
      n.style.cssText = `left:0;top:${y}px;width:${LANE_W}px;height:${h}px`;
      if (kids.length) {
        const chips = el('span', { class: 'chips' });
        for (const k of kids) {
          const c = node(runId, k, short(k.id, t.id, runId), `chip ${k.entity_type === 'test_gate' ? 'gate' : 'patch'}`);
          c.addEventListener('click', (ev) => ev.stopPropagation());
          chips.append(c);
          put(k, c);
        }
        n.append(chips);
      }
      lane.append(n);
      put(t, n);
      pos.set(keyOf(t.entity_type, t.id), { x: x + LANE_W / 2, top: y, bottom: y + h });
      y += h + ROW_GAP;
    }
    height = Math.max(height, y);
    layer.append(lane);
    x += LANE_W + LANE_GAP;
  }
  const width = Math.max(x - LANE_GAP, 0);
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('class', 'graph-edges');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  const paths = [];
  for (const e of all) {
    if (e.entity_type !== 'task' && e.entity_type !== 'workstream') continue;
    const to = pos.get(keyOf(e.entity_type, e.id));
    for (const d of e.depends_on) {
      const from = pos.get(keyOf(e.entity_type, d));
      if (!to || !from) continue;
      const y1 = from.bottom;
      const y2 = to.top;
      const mid = (y1 + y2) / 2;
      paths.push(`<path class="dep" data-from="${d.replace(/"/g, '&quot;')}" data-to="${e.id.replace(/"/g, '&quot;')}" d="M${from.x},${y1} C${from.x},${mid} ${to.x},${mid} ${to.x},${y2 - 3}" marker-end="url(#dep-arrow)"/>`);
    }
  }
  svg.innerHTML = `<defs><marker id="dep-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>${paths.join('')}`;
  const canvas = el('div', { class: 'graph-canvas', style: `width:${width}px;height:${height}px` });
  canvas.append(svg, layer);
  box.replaceChildren(canvas);
  return { nodes };
}

/** Colours every drawn entity by its state at the shown point in time (`stateOf(type, id)`; null: not yet created). */
export function paintGraph(graph, stateOf, reasonOf, selected) {
  for (const [k, elems] of graph.nodes) {
    const i = k.indexOf(':');
    const type = k.slice(0, i);
    const id = k.slice(i + 1);
    const state = stateOf(type, id);
    const cls = stateClass(type, state, reasonOf(type, id, state));
    for (const n of elems) {
      const base = n.className.replace(/\s*\bst-\S+|\s*\bselected\b/g, '');
      n.className = `${base} ${cls}${selected === k ? ' selected' : ''}`;
      n.dataset.state = state ?? '';
      const s = n.querySelector(':scope > .state');
      if (s) s.textContent = state ?? 'not yet';
    }
  }
}

/** The timeline of the run's tasks: one row each (by start), its attempts as bars, start, end, duration and retries. */
export function drawTimeline(box, view) {
  const tasks = view.entities.filter((e) => e.entity_type === 'task' && e.start !== null).sort((a, b) => a.start - b.start || a.id.localeCompare(b.id));
  const t0 = view.run.start ?? Math.min(...tasks.map((t) => t.start));
  const t1 = Math.max(view.run.end ?? 0, ...tasks.map((t) => t.end ?? t.attempts.reduce((m, a) => Math.max(m, a.end ?? a.start), t.start)));
  const span = Math.max(1, t1 - t0);
  const pct = (t) => `${(((t - t0) / span) * 100).toFixed(3)}%`;
  const rows = [];
  for (const t of tasks) {
    const track = el('div', { class: 'tl-track' });
    track.append(el('span', { class: 'tl-life', style: `left:${pct(t.start)};width:calc(${pct((t.end ?? t1) + t0 - t.start)} + 1px)` }));
    t.attempts.forEach((a, i) => {
      // A retried attempt is amber; the last one takes the task's outcome (red when it failed), blue while it runs.
      const last = i === t.attempts.length - 1;
      const cls = a.to === null ? 'st-active' : !last ? 'st-warn' : stateClass('task', a.to) === 'st-failure' ? 'st-failure' : stateClass('task', t.state, t.reason);
      track.append(el('span', { class: `tl-bar ${cls}`, style: `left:${pct(a.start)};width:calc(${pct((a.end ?? t1) + t0 - a.start)} + 2px)`, title: `attempt ${i + 1}: ${duration((a.end ?? t1) - a.start)}${a.to ? ` → ${a.to}` : ' (running)'}` }));
    });
    const end = t.end === null ? '—' : `+${duration(t.end - t0)}`;
    const meta = `+${duration(t.start - t0)} → ${end} · ${t.end === null ? 'not ended' : duration(t.end - t.start)} · ${t.attempts.length} attempt${t.attempts.length === 1 ? '' : 's'} · ${t.retries ?? 0} retr${t.retries === 1 ? 'y' : 'ies'}`;
    const row = el('a', { class: 'tl-row', href: routes.entity(view.run.id, 'task', t.id), 'data-id': t.id, 'data-attempts': String(t.attempts.length), 'data-retries': String(t.retries ?? 0) },
      clipped('span', 'tl-id', t.id), track, clipped('span', 'tl-meta', meta));
    rows.push(row);
  }
  const cursor = el('div', { class: 'tl-cursor', hidden: 'hidden' });
  const head = el('div', { class: 'tl-head muted' }, tasks.length ? `${tasks.length} tasks · run ${duration(span)} · bars are attempts, coloured by how they ended` : 'No task has started.');
  const body = el('div', { class: 'tl-body' }, ...rows, cursor);
  box.replaceChildren(head, body);
  return {
    /** Shows the point in time `time` (epoch ms) as a vertical line, or hides it (null). */
    cursor(time) {
      cursor.hidden = time === null;
      if (time !== null) cursor.style.left = `calc(var(--tl-id) + (100% - var(--tl-id) - var(--tl-meta)) * ${Math.min(1, Math.max(0, (time - t0) / span))})`;
    },
  };
}
