import elk from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode, ElkPoint } from 'elkjs/lib/elk-api.js';
import { chartEdges, triggerLabel, type MachineChart } from './machine-chart.js';

const FONT = 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
const STATE_FONT = 13;
const LABEL_FONT = 11;
const LINE = 14;
const PAD = 16;
const INITIAL = '__initial__';
// elkjs is CommonJS: its module.exports is the constructor and also carries itself as `.default`, which is what the
// typings declare under nodenext, so `elk.default` is the constructor both for the type checker and at run time.
const ELK = elk.default;

/** Monospace width estimate (0.62 em per character): enough for the layout to leave room for every text. */
function textWidth(text: string, size: number): number {
  return Math.ceil(text.length * size * 0.62);
}

/** XML-escapes text and attribute values. */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function num(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** Per state, the one-line summary of its in-state updates (drawn inside the state box), or null. */
function updatesOf(chart: MachineChart): Map<string, string> {
  const byState = new Map<string, string[]>();
  for (const t of chart.transitions) if (t.internal) byState.set(t.from, [...(byState.get(t.from) ?? []), t.event]);
  return new Map([...byState].map(([s, events]) => [s, `↻ ${[...new Set(events)].join(', ')}`]));
}

/** The ELK graph of a chart: one node per state plus the initial marker, one edge per from → to and kind with its label lines. */
function elkGraph(chart: MachineChart, updates: Map<string, string>): { graph: ElkNode; labels: Map<string, string[]> } {
  const labels = new Map<string, string[]>();
  const children: ElkNode[] = [{ id: INITIAL, width: 14, height: 14 }];
  for (const s of chart.states) {
    const sub = updates.get(s.name);
    const width = Math.max(90, textWidth(s.name, STATE_FONT) + 32, sub ? textWidth(sub, LABEL_FONT) + 24 : 0);
    children.push({ id: s.name, width, height: sub ? 50 : 36 });
  }
  const edges: ElkExtendedEdge[] = [{ id: 'e0', sources: [INITIAL], targets: [chart.initial] }];
  chartEdges(chart).forEach((e, i) => {
    const lines = [...new Set(e.triggers.map(triggerLabel)), ...(e.ext ? [`(${e.ext})`] : [])];
    const id = `e${i + 1}`;
    labels.set(id, lines);
    const width = Math.max(...lines.map((l) => textWidth(l, LABEL_FONT)));
    edges.push({ id, sources: [e.from], targets: [e.to], labels: [{ id: `${id}-label`, text: lines.join('\n'), width, height: lines.length * LINE }] });
  });
  const layoutOptions = {
    'elk.algorithm': 'layered',
    'elk.direction': 'DOWN',
    'elk.edgeRouting': 'ORTHOGONAL',
    'elk.edgeLabels.placement': 'CENTER',
    'elk.layered.cycleBreaking.strategy': 'DEPTH_FIRST',
    'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    'elk.spacing.nodeNode': '40',
    'elk.layered.spacing.nodeNodeBetweenLayers': '48',
    'elk.spacing.edgeLabel': '4',
    'elk.spacing.edgeEdge': '14',
    'elk.padding': `[top=${PAD},left=${PAD},bottom=${PAD},right=${PAD}]`,
  };
  return { graph: { id: chart.entity_type, layoutOptions, children, edges }, labels };
}

function pathOf(edge: ElkExtendedEdge): string {
  return (edge.sections ?? [])
    .map((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p: ElkPoint, i) => `${i ? 'L' : 'M'}${num(p.x)},${num(p.y)}`).join(' '))
    .join(' ');
}

function stateSvg(node: ElkNode, terminal: boolean, initial: boolean, sub: string | undefined): string {
  const [x, y, w, h] = [node.x ?? 0, node.y ?? 0, node.width ?? 0, node.height ?? 0];
  const cls = ['state', terminal ? 'terminal' : '', initial ? 'initial' : ''].filter(Boolean).join(' ');
  const out = [`<g class="${cls}" data-state="${esc(node.id)}">`];
  out.push(`<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" rx="10" ry="10" fill="#f5f7ff" stroke="#334" stroke-width="1.5"/>`);
  // Terminal states are double-bordered, as in UML final states.
  if (terminal) out.push(`<rect x="${num(x + 4)}" y="${num(y + 4)}" width="${num(w - 8)}" height="${num(h - 8)}" rx="7" ry="7" fill="none" stroke="#334" stroke-width="1.5"/>`);
  const ty = sub ? y + 21 : y + h / 2 + 4.5;
  out.push(`<text x="${num(x + w / 2)}" y="${num(ty)}" text-anchor="middle" font-size="${STATE_FONT}" font-weight="bold" fill="#112">${esc(node.id)}</text>`);
  if (sub) out.push(`<text x="${num(x + w / 2)}" y="${num(y + 38)}" text-anchor="middle" font-size="${LABEL_FONT}" font-style="italic" fill="#556">${esc(sub)}</text>`);
  out.push('</g>');
  return out.join('');
}

function edgeSvg(edge: ElkExtendedEdge, lines: string[], chartEdge: { from: string; to: string; ext: string | null } | null): string {
  const ext = chartEdge?.ext ?? null;
  const cls = chartEdge === null ? 'edge start' : ext ? 'edge ext' : 'edge ssot';
  const data = chartEdge ? ` data-from="${esc(chartEdge.from)}" data-to="${esc(chartEdge.to)}"${ext ? ` data-ext="${ext}"` : ''}` : '';
  const color = ext ? '#b45309' : '#334';
  const dash = ext ? ' stroke-dasharray="6 4"' : '';
  const out = [`<g class="${cls}"${data}>`, `<path d="${pathOf(edge)}" fill="none" stroke="${color}" stroke-width="1.4"${dash} marker-end="url(#${ext ? 'arrow-ext' : 'arrow'})"/>`];
  const label = edge.labels?.[0];
  if (label && lines.length) {
    const tspans = lines.map((l, i) => `<tspan x="${num(label.x ?? 0)}" y="${num((label.y ?? 0) + 11 + i * LINE)}">${esc(l)}</tspan>`).join('');
    out.push(`<text font-size="${LABEL_FONT}" fill="${ext ? '#92400e' : '#223'}">${tspans}</text>`);
  }
  out.push('</g>');
  return out.join('');
}

/**
 * An SVG diagram of one machine, laid out by ELK's layered algorithm: states as rounded rectangles (terminal ones
 * double-bordered, in-state updates in italics inside), a filled dot pointing at the initial state, one arrow per
 * from → to and kind labelled with its triggers `event [guard]`, extension edges dashed, amber and labelled `(EXT-n)`.
 */
export async function machineSvg(chart: MachineChart): Promise<string> {
  const updates = updatesOf(chart);
  const { graph, labels } = elkGraph(chart, updates);
  const laid = await new ELK().layout(graph);
  const edges = chartEdges(chart);
  const states = new Map(chart.states.map((s) => [s.name, s]));
  const [w, h] = [Math.ceil(laid.width ?? 0), Math.ceil(laid.height ?? 0)];
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="${FONT}" data-machine="${chart.entity_type}" data-version="${chart.version}">`,
    `<title>${esc(`${chart.entity_type} machine (version ${chart.version})`)}</title>`,
    '<defs>',
    '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#334"/></marker>',
    '<marker id="arrow-ext" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#b45309"/></marker>',
    '</defs>',
    `<rect width="${w}" height="${h}" fill="#fff"/>`,
    '<g class="edges">',
  ];
  for (const e of laid.edges ?? []) {
    const index = Number(e.id.slice(1)) - 1;
    out.push(edgeSvg(e, labels.get(e.id) ?? [], index >= 0 ? edges[index]! : null));
  }
  out.push('</g>', '<g class="states">');
  for (const n of laid.children ?? []) {
    if (n.id === INITIAL) {
      out.push(`<circle class="initial-marker" cx="${num((n.x ?? 0) + 7)}" cy="${num((n.y ?? 0) + 7)}" r="7" fill="#112"/>`);
      continue;
    }
    const s = states.get(n.id)!;
    out.push(stateSvg(n, s.terminal, s.initial, updates.get(n.id)));
  }
  out.push('</g>', '</svg>');
  return `${out.join('\n')}\n`;
}
