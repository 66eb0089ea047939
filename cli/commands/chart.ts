import type { Command } from '../command.js';
import { positionalArgs, stringOption } from '../command.js';
import { EXIT, UnknownFormatError } from '../errors.js';

/** The formats `gantry chart` writes. */
const FORMATS = ['mermaid', 'json', 'svg'] as const;
type Format = (typeof FORMATS)[number];

function formatOf(value: string): Format {
  if (!(FORMATS as readonly string[]).includes(value)) throw new UnknownFormatError(value, FORMATS);
  return value as Format;
}

/** `gantry chart MACHINE --format mermaid|json|svg`: one machine's diagram on standard output (docs/design/plan.md). */
export const chartCommand: Command = {
  name: 'chart',
  summary: 'one machine’s diagram: --format mermaid|json|svg',
  usage: 'chart MACHINE [--format mermaid|json|svg]',
  description: [
    'MACHINE is an entity type (see `gantry machines`). The diagram goes to standard output.',
    '',
    '  mermaid  a stateDiagram-v2: initial marker, terminal states to [*], arrows labelled `event [guard]`,',
    '           extension edges suffixed (EXT-n), in-state updates as notes.',
    '  json     {entity_type, version, initial, states:[{name, initial, terminal, failure}], transitions:[{from, to,',
    '           event, guard, ssot, ext, internal, section}]}, in-state updates included with internal: true.',
    '  svg      laid out by ELK (layered): rounded states, terminal ones double-bordered, extension edges dashed.',
    '',
    'The default format is mermaid, or json with --json. An unknown machine or format exits with 2.',
  ].join('\n'),
  options: { format: { type: 'string', short: 'f' } },
  optionHelp: { format: 'mermaid (default), json or svg' },
  async run(ctx) {
    const [machine] = positionalArgs(ctx, ['MACHINE']);
    const format = formatOf(stringOption(ctx, 'format', ctx.global.json ? 'json' : 'mermaid')!);
    // The visualizer (and with it elkjs) is loaded only when a chart is drawn.
    const { machineChart, machineMermaid, machineSvg } = await import('../../visualizer/index.js');
    const chart = machineChart(machine!);
    if (format === 'json') ctx.io.out(JSON.stringify(chart, null, 2));
    else if (format === 'mermaid') ctx.io.out(machineMermaid(chart));
    else ctx.io.out(await machineSvg(chart));
    return EXIT.ok;
  },
};
