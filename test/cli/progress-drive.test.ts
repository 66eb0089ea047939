import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../cli/command.js';
import { driveWithProgress } from '../../cli/drive-with-progress.js';
import { driveRun, startRun } from '../../engine/index.js';
import { createDatabase } from '../../persistence/index.js';
import { loadPlan } from '../../plan/index.js';
import { makeSandbox, writeCmd, type EngineSandbox } from '../engine/engine-fixtures.js';
import { testDatabases, uniqueSchemaName } from '../support/test-database.js';

/** Removes the redraw prefix (cursor up N lines, clear to the end of the screen) of one frame. */
const frameText = (write: string): string => write.replace(/^\x1b\[\d+F\x1b\[J/, '');

describe.each(testDatabases())('gantry run on a terminal: the redrawn progress view (%s)', (kind) => {
  const boxes: EngineSandbox[] = [];
  const schemas: string[] = [];
  const url = process.env['DATABASE_URL'];
  const saved = { schema: process.env['GANTRY_DB_SCHEMA'], noColor: process.env['NO_COLOR'] };
  afterEach(() => {
    for (const [k, v] of [['GANTRY_DB_SCHEMA', saved.schema], ['NO_COLOR', saved.noColor], ['DATABASE_URL', url]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  afterAll(async () => {
    if (schemas.length > 0) {
      const h = await createDatabase({ url: url! });
      for (const s of schemas) await sql`drop schema if exists ${sql.id(s)} cascade`.execute(h.db);
      await h.close();
    }
    for (const b of boxes) await b.cleanup();
  });

  it('draws frames in place from the run’s transitions, ends on the final state, then prints the summary (NO_COLOR: no colours)', async () => {
    const box = await makeSandbox();
    boxes.push(box);
    if (kind === 'postgres') {
      const schema = uniqueSchemaName();
      schemas.push(schema);
      process.env['GANTRY_DB_SCHEMA'] = schema;
    } else delete process.env['DATABASE_URL']; // the CLI would take it over PGlite under --state-dir
    process.env['NO_COLOR'] = '1';
    const file = join(box.dir, 'plan.json');
    await writeFile(
      file,
      JSON.stringify({
        run: { id: 'view-1', phase: 'PH-1', repository: './repo', target_branch: 'main' },
        workstreams: [
          {
            id: 'core',
            gates: [{ id: 'lint', type: 'LINT', command: ['node', '-e', '0'] }],
            tasks: [
              { id: 'a', command: writeCmd('src/a.js', '1;\n'), gates: ['lint'] },
              { id: 'b', command: writeCmd('src/b.js', '2;\n'), depends_on: ['a'] },
            ],
          },
          { id: 'docs', tasks: [{ id: 'd', command: writeCmd('docs/d.md', 'd\n') }] },
        ],
      }),
    );
    const plan = await loadPlan(file);
    const out: string[] = [];
    const err: string[] = [];
    const writes: string[] = [];
    const ctx: CommandContext = {
      command: 'run',
      positionals: [file],
      options: {},
      global: { db: kind === 'postgres' ? url! : null, stateDir: box.stateDir, json: false },
      io: { out: (t) => out.push(t), err: (t) => err.push(t) },
    };
    const code = await driveWithProgress(
      ctx,
      async (actors, handle, options) => driveRun(await startRun(actors, handle.db, plan, { ...options, heartbeatIntervalMs: 200, killGraceMs: 200 })),
      { write: (t) => writes.push(t), columns: () => 100 },
    );
    expect(code, err.join('\n')).toBe(0);
    // No plain progress lines on a terminal: standard output only gets the summary.
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^run view-1: succeeded\n/);
    expect(writes.length).toBeGreaterThan(1);
    expect(writes[0]).not.toMatch(/^\x1b\[/);
    for (const w of writes.slice(1)) expect(w).toMatch(/^\x1b\[\d+F\x1b\[J/);
    for (const w of writes) expect(w).not.toMatch(/\x1b\[\d+m/);
    const last = frameText(writes.at(-1)!).split('\n');
    expect(last[0]).toMatch(/^run view-1 {2}succeeded {2}\d\d:\d\d$/);
    expect(last[1]).toMatch(/^workers {2}0 busy \/ 0 idle \/ 1 other {3}uet {2}0 busy \/ 0 idle \/ 1 other$/);
    // The run's end takes the signed audit checkpoint (issue 11); its note shows under the workers line.
    expect(last[2]).toMatch(/^note {2}audit checkpoint \d+: \d+ chain heads signed \(key [0-9a-f]{16}…\)$/);
    expect(last.slice(3)).toEqual([
      'core             completed   [████████████████████] 2/2 tasks',
      '                 tasks    2 completed',
      '                 patches  2 committed',
      '                 gates    1 passed, 0 failed, 0 blocked',
      'docs             completed   [████████████████████] 1/1 tasks',
      '                 tasks    1 completed',
      '                 patches  1 committed',
      '                 gates    0 passed, 0 failed, 0 blocked',
      '',
    ]);
  });
});
