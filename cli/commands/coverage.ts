import { computeCoverage, type CoverageReport, type MachineCoverage } from '../../coverage/index.js';
import type { Command } from '../command.js';
import { positionalArgs } from '../command.js';
import { EXIT } from '../errors.js';

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

function ratio(done: number, total: number): string {
  return `${done}/${total}`;
}

/** What one machine leaves uncovered, one line per kind, empty when complete. */
function gaps(m: MachineCoverage): string[] {
  const lines: string[] = [];
  if (m.states.unreached.length) lines.push(`  states not reached: ${m.states.unreached.join(', ')}`);
  if (m.ssotEdges.untaken.length) lines.push(`  SSOT edges not taken: ${m.ssotEdges.untaken.join(', ')}`);
  if (m.extEdges.untaken.length) lines.push(`  extension edges not taken: ${m.extEdges.untaken.join(', ')}`);
  if (m.invalidPairs.accepted.length) lines.push(`  invalid (state/event) pairs accepted: ${m.invalidPairs.accepted.join(', ')}`);
  return lines.length ? [`${m.entityType}:`, ...lines] : [];
}

/** The human report: one row per machine, a total row, then what is uncovered (if anything) and the verdict. */
function humanReport(report: CoverageReport): string {
  const header = ['machine', 'states reached', 'SSOT edges taken', 'extension edges taken', 'invalid pairs rejected', 'paths', 'complete'];
  const sum = { s: [0, 0], e: [0, 0], x: [0, 0], i: [0, 0], p: 0 };
  const rows = report.machines.map((m) => {
    sum.s[0]! += m.states.reached.length;
    sum.s[1]! += m.states.total;
    sum.e[0]! += m.ssotEdges.taken;
    sum.e[1]! += m.ssotEdges.total;
    sum.x[0]! += m.extEdges.taken;
    sum.x[1]! += m.extEdges.total;
    sum.i[0]! += m.invalidPairs.rejected;
    sum.i[1]! += m.invalidPairs.total;
    sum.p += m.paths;
    return [
      m.entityType,
      ratio(m.states.reached.length, m.states.total),
      ratio(m.ssotEdges.taken, m.ssotEdges.total),
      ratio(m.extEdges.taken, m.extEdges.total),
      ratio(m.invalidPairs.rejected, m.invalidPairs.total),
      String(m.paths),
      m.complete ? 'yes' : 'NO',
    ];
  });
  const total = ['total', ratio(sum.s[0]!, sum.s[1]!), ratio(sum.e[0]!, sum.e[1]!), ratio(sum.x[0]!, sum.x[1]!), ratio(sum.i[0]!, sum.i[1]!), String(sum.p), report.complete ? 'yes' : 'NO'];
  const uncovered = report.machines.flatMap(gaps);
  return [
    table([header, ...rows, total]),
    '',
    ...(uncovered.length ? ['uncovered:', ...uncovered, ''] : []),
    report.complete ? 'coverage complete: every state reached, every edge taken, every invalid pair rejected' : 'coverage INCOMPLETE',
    '',
  ].join('\n');
}

/** `gantry coverage [--json]`: generated path coverage per machine (docs/design/plan.md); exit 1 when it is not complete. */
export const coverageCommand: Command = {
  name: 'coverage',
  summary: 'generated path coverage per machine: states, SSOT edges, extension edges, invalid pairs (exit 1 if incomplete)',
  usage: 'coverage [--json]',
  description: [
    'Generates paths through every machine from its definition and reports, per machine: states reached,',
    'SSOT edges taken, extension edges taken, and invalid (state, event) pairs rejected, each as x/N.',
    'Anything uncovered is listed by name. --json prints the report as computed: {machines:[…], complete}.',
    'Exit 0 when coverage is complete, 1 when it is not.',
  ].join('\n'),
  run(ctx) {
    positionalArgs(ctx, []);
    const report = computeCoverage();
    if (ctx.global.json) ctx.io.out(JSON.stringify(report, null, 2));
    else ctx.io.out(humanReport(report));
    if (!report.complete && ctx.global.json) ctx.io.err(report.machines.flatMap(gaps).join('\n'));
    return report.complete ? EXIT.ok : EXIT.refused;
  },
};
