// Gantry inspect page: small helpers shared by the page's modules (fetching, DOM, state colours, URLs). Plain DOM.

export const $ = (id) => document.getElementById(id);

/** Fetches a JSON endpoint; throws an Error carrying the server's message and hint on failure. */
export async function api(path) {
  let res;
  try {
    res = await fetch(path, { cache: 'no-store' });
  } catch (err) {
    throw Object.assign(new Error(`the inspection server is unreachable (${err.message})`), { hint: 'it restarts with the engine or gantry inspect; the page reconnects by itself' });
  }
  const body = await res.json();
  if (!res.ok) throw Object.assign(new Error(body.error || `HTTP ${res.status}`), { hint: body.hint, status: res.status });
  return body;
}

/** Creates an element with attributes (null/undefined ones left out) and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

/** A text element that never clips silently: one line with an ellipsis, the full text in its title. */
export function clipped(tag, cls, text, attrs = {}) {
  return el(tag, { class: `clip ${cls}`, title: text, ...attrs }, text);
}

export function showStatus(state, text) {
  const s = $('status');
  s.dataset.state = state;
  s.textContent = text;
}

/** Shows a failed load or fetch: the error's message (capitalised) and its hint. */
export function showError(err) {
  showStatus('error', `${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}${err.hint ? ` — ${err.hint}` : ''}. Retrying…`);
}

/**
 * State kinds of every machine, from the server's machine views (derived from the definitions: `failure` is the
 * FAILURE_TAG, `terminal` a final state): `type` → `state` → kind.
 */
const kinds = new Map();

export function learnKinds(machines) {
  for (const m of machines) kinds.set(m.entity_type, new Map(m.states.map((s) => [s.name, s.failure ? 'failure' : s.terminal ? 'terminal' : s.initial ? 'initial' : 'active'])));
}

/**
 * The colour class of an entity in `state`: `st-failure` (red) for a failure state, `st-warn` for another terminal
 * state the entity entered for a reason (a task cancelled because a dependency failed), `st-terminal` for one it
 * simply reached, `st-active` / `st-initial` otherwise, `st-absent` when it did not exist yet (stepping).
 */
export function stateClass(type, state, reason = null) {
  if (state === null || state === undefined) return 'st-absent';
  const k = kinds.get(type)?.get(state) ?? 'active';
  return `st-${k === 'terminal' && reason ? 'warn' : k}`;
}

/** Hash routes: every run and entity has a URL. */
export const routes = {
  runs: () => '#/runs',
  run: (runId) => `#/runs/${encodeURIComponent(runId)}`,
  entity: (runId, type, id) => (runId ? `#/runs/${encodeURIComponent(runId)}/entities/${type}/${encodeURIComponent(id)}` : `#/entities/${type}/${encodeURIComponent(id)}`),
  machine: (type, state) => `#/machines/${type}${state ? `/${encodeURIComponent(state)}` : ''}`,
};

/** The route of the current hash: `{ view, runId, type, id, state }`. */
export function parseRoute(hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter((p) => p !== '').map(decodeURIComponent);
  const [head, a, b, c, d] = parts;
  if (head === 'runs' && a !== undefined) return { view: 'run', runId: a, type: b === 'entities' ? c : null, id: b === 'entities' ? d ?? null : null };
  if (head === 'machines') return { view: 'machines', type: a ?? null, state: b ?? null };
  if (head === 'entities') return { view: 'entities', type: a ?? null, id: b ?? null };
  return { view: 'runs' };
}

/** A duration in ms as people read it: `850 ms`, `2.4 s`, `3 min 05 s`. */
export function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

export const keyOf = (type, id) => `${type}:${id}`;
