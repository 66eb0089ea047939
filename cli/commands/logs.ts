import type { Kysely } from 'kysely';
import { GATE_OUTPUT_MAX_BYTES } from '../../engine/run-gates.js';
import { ATTEMPT_OUTPUT_MAX_BYTES, closestEntityIds, readEntityOutput, type Database, type EntityOutput } from '../../persistence/index.js';
import type { Command } from '../command.js';
import { positionalArgs, stringOption } from '../command.js';
import { EXIT, UnknownIdError, UsageError } from '../errors.js';
import { withDatabase } from '../open-database.js';
import { ID_NAMESPACING } from '../unknown-id.js';

const kib = (n: number): string => `${n / 1024} KiB`;

/** The error for an id that is neither a task nor a gate: the closest task and gate ids, and how ids are namespaced. */
async function unknownEntity(db: Kysely<Database>, id: string): Promise<UnknownIdError> {
  const [tasks, gates] = await Promise.all([closestEntityIds(db, 'task', id), closestEntityIds(db, 'test_gate', id)]);
  const ids = [...tasks.ids, ...gates.ids].sort((a, b) => Number(b.endsWith(`.${id}`)) - Number(a.endsWith(`.${id}`))).slice(0, 5);
  const guess = ids.length ? `did you mean ${ids.map((c) => `'${c}'`).join(', ')}?` : 'no task or gate has a similar id';
  return new UnknownIdError('task', id, ids, `no task or gate ${id}; ${guess}\n  (${ID_NAMESPACING})`);
}

/** One stream under its heading, with its size and whether it was cut at the cap. */
function stream(name: string, text: string | null, truncated: boolean, cap: number): string[] {
  if (text === null) return [`--- ${name}: nothing stored ---`];
  const bytes = Buffer.byteLength(text, 'utf8');
  const head = `--- ${name} (${bytes} bytes${truncated ? `, truncated at ${kib(cap)}: the rest was dropped` : ''}) ---`;
  return text.length === 0 ? [head] : [head, text.endsWith('\n') ? text.slice(0, -1) : text];
}

function render(o: EntityOutput): string {
  const cap = o.entityType === 'task' ? ATTEMPT_OUTPUT_MAX_BYTES : GATE_OUTPUT_MAX_BYTES;
  const what = o.entityType === 'task' ? 'task' : 'gate';
  const attempt = o.attempt === null ? '' : ` attempt ${o.attempt}`;
  const others = o.attempts.length > 1 ? `; attempts with output: ${o.attempts.join(', ')} (--attempt N)` : '';
  const head = `${what} ${o.id}${attempt}: ${o.exitCode !== null ? `exit code ${o.exitCode}` : 'no exit code'} (${what} now ${o.state}${others})`;
  return [head, ...stream('stdout', o.stdout, o.stdoutTruncated, cap), ...stream('stderr', o.stderr, o.stderrTruncated, cap)].join('\n');
}

/** `gantry logs ENTITY [--attempt N]`: what a task attempt or a gate run printed (stdout and stderr, as stored). */
export const logsCommand: Command = {
  name: 'logs',
  summary: "a task attempt's or a gate run's stdout and stderr, as stored (capped per stream)",
  usage: 'logs ENTITY [--attempt N] [--json]',
  options: { attempt: { type: 'string' } },
  optionHelp: { attempt: 'which attempt (1 = the first; default the newest with stored output)' },
  description: [
    'ENTITY is a task id (<run>.<task>, e.g. demo-001.leak-key) or a gate id (<run>.<task>.<gate>.a<attempt>, or',
    '<run>.<task>.<gate> with --attempt choosing among its attempts); `gantry status RUN --json` lists them. An id',
    'that does not exist gets the closest existing ones.',
    `Stored per stream: the first ${kib(ATTEMPT_OUTPUT_MAX_BYTES)} of each task attempt's output and the first`,
    `${kib(GATE_OUTPUT_MAX_BYTES)} of each gate run's; past that the rest is dropped and the stream is marked truncated.`,
    '--json prints {entity_type, id, attempt, attempts, state, exit_code, stdout, stderr, stdout_truncated,',
    'stderr_truncated, cap_bytes}. Exit 2 for an unknown id or an attempt with no stored output.',
  ].join('\n'),
  async run(ctx) {
    const [id] = positionalArgs(ctx, ['ENTITY']) as [string];
    const a = stringOption(ctx, 'attempt');
    if (a !== null && !/^[1-9][0-9]{0,8}$/.test(a)) throw new UsageError(`--attempt must be a positive integer, got '${a}'`, ctx.command);
    const attempt = a === null ? null : Number(a);
    return withDatabase(
      ctx.global,
      async (handle) => {
        const o = await readEntityOutput(handle.db, id, attempt);
        if (o === null) throw await unknownEntity(handle.db, id);
        if (attempt !== null && (o.attempt !== attempt || !o.attempts.includes(attempt))) {
          ctx.io.err(`gantry logs: ${o.entityType === 'task' ? 'task' : 'gate'} ${o.id} has no stored output for attempt ${attempt}; attempts with output: ${o.attempts.join(', ') || 'none'}`);
          return EXIT.badInput;
        }
        if (ctx.global.json) {
          const cap = o.entityType === 'task' ? ATTEMPT_OUTPUT_MAX_BYTES : GATE_OUTPUT_MAX_BYTES;
          ctx.io.out(JSON.stringify({ entity_type: o.entityType, id: o.id, attempt: o.attempt, attempts: o.attempts, state: o.state, exit_code: o.exitCode, stdout: o.stdout, stderr: o.stderr, stdout_truncated: o.stdoutTruncated, stderr_truncated: o.stderrTruncated, cap_bytes: cap }));
        } else ctx.io.out(render(o));
        return EXIT.ok;
      },
      { existing: true },
    );
  },
};
