// Gantry inspect page: the entity panel — state, why it is in it, its audit history with hash-chain status, and what
// its attempts printed (tasks and gates). The full id is shown wrapped, never clipped.
import { $, api, el, routes, stateClass } from './page-util.js';

const panel = { entity: null, historyNext: null, history: [], at: null };

function historyRow(t) {
  const mark = { ok: '✓ hash ok', linked: '✓ linked', broken: '✗ broken' }[t.chain];
  return el('tr', { 'data-seq': String(t.seq), 'data-id': String(t.id) }, el('td', {}, String(t.seq)), el('td', { class: 'time' }, t.time), el('td', {}, t.from ?? '∅'),
    el('td', {}, t.to), el('td', {}, t.trigger), el('td', { class: `chain-${t.chain}`, title: t.problem ?? '' }, mark), el('td', { class: 'wrap' }, t.reason ?? ''),
    el('td', {}, t.operator ?? ''));
}

/** Loads (or appends the next page of) the panel entity's audit history. */
export async function loadHistory(more = false) {
  const e = panel.entity;
  if (!e) return;
  const h = await api(`/api/entity/${encodeURIComponent(e.type)}/${encodeURIComponent(e.id)}/history?after=${more ? panel.historyNext : 0}&limit=200`);
  if (panel.entity !== e) return;
  $('detail').dataset.chain = h.chain;
  $('panel-chain').textContent = `version ${h.version} · hash chain ${h.chain}`;
  const body = $('history').tBodies[0];
  if (!more) body.replaceChildren();
  for (const t of h.transitions) body.append(historyRow(t));
  $('history').hidden = false;
  panel.historyNext = h.next;
  $('history-more').hidden = h.next === null;
  paintPanel(panel.at);
}

/** Loads the stored output of the panel entity's attempt `attempt` (null: the newest). */
async function loadOutput(attempt = null) {
  const e = panel.entity;
  const box = $('output');
  if (e.type !== 'task' && e.type !== 'test_gate') {
    box.hidden = true;
    return;
  }
  const o = (await api(`/api/entity/${e.type}/${encodeURIComponent(e.id)}/output${attempt === null ? '' : `?attempt=${attempt}`}`)).output;
  if (panel.entity !== e) return;
  box.hidden = false;
  const pick = $('output-attempt');
  pick.replaceChildren(...(o?.attempts ?? []).map((n) => el('option', { value: String(n), selected: n === o.attempt ? 'selected' : null }, `attempt ${n}`)));
  pick.hidden = !o || o.attempts.length < 2;
  const stream = (name, text, cut) => (text === null ? `(${name}: nothing stored)` : `${text}${cut ? `\n… (${name} truncated at the stored cap)` : ''}`);
  const silent = o && o.stdout === '' && (o.stderr ?? '') === '' ? ' · printed nothing' : '';
  $('output-meta').textContent = !o || o.stdout === null ? 'No output stored for this attempt (it has not ended, or ran no command).' : `attempt ${o.attempt ?? 1} · exit code ${o.exitCode ?? '—'}${silent}`;
  $('stdout').textContent = o ? stream('stdout', o.stdout, o.stdoutTruncated) : '';
  $('stderr').textContent = o ? stream('stderr', o.stderr, o.stderrTruncated) : '';
  $('stdout').hidden = !o || o.stdout === null || o.stdout === '';
  $('stderr').hidden = !o || o.stderr === null || o.stderr === '';
}

/** Opens the panel on entity `type` `id` (of run `runId`, or none): its state, reason, history and output. */
export async function openPanel(type, id, runId) {
  const e = { type, id, runId };
  panel.entity = e;
  $('detail').hidden = false;
  $('panel-type').textContent = type;
  $('panel-id').textContent = id;
  $('panel-reason').textContent = '';
  $('panel-state').textContent = '';
  $('history').tBodies[0].replaceChildren();
  $('output').hidden = true;
  for (const id of ['output-meta', 'stdout', 'stderr']) $(id).textContent = '';
  const d = await api(`/api/entity/${encodeURIComponent(type)}/${encodeURIComponent(id)}`);
  if (panel.entity !== e) return;
  e.state = d.state;
  e.reason = d.reason;
  $('panel-machine').href = routes.machine(type, d.state);
  $('panel-link').href = routes.entity(d.run_id, type, id);
  paintPanel(panel.at);
  await Promise.all([loadHistory(), loadOutput()]);
}

export function closePanel() {
  panel.entity = null;
  $('detail').hidden = true;
}

/** The panel entity (`{ type, id }`), or null. */
export const panelEntity = () => panel.entity;

/**
 * Shows the panel at a point in time: `at` = `{ id, state }` (the step's audit row id, the entity's state then; null
 * state: not created yet), or null for now. History rows after that point are marked `future`.
 */
export function paintPanel(at) {
  panel.at = at;
  const e = panel.entity;
  if (!e || e.state === undefined) return;
  const state = at ? at.state : e.state;
  const reason = at && at.state !== e.state ? null : e.reason;
  const s = $('panel-state');
  s.className = `state-pill ${stateClass(e.type, state, reason)}`;
  s.textContent = state ?? 'not created yet';
  s.dataset.state = state ?? '';
  $('panel-now').textContent = at && at.state !== e.state ? `(now ${e.state})` : '';
  $('panel-reason').textContent = reason ?? '';
  $('panel-reason').hidden = !reason;
  for (const tr of $('history').tBodies[0].rows) tr.classList.toggle('future', Boolean(at && Number(tr.dataset.id) > at.id));
}

$('history-more').addEventListener('click', () => void loadHistory(true));
$('output-attempt').addEventListener('change', () => void loadOutput(Number($('output-attempt').value)));
