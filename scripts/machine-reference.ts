import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ENTITY_TYPES, machineCatalog, type EntityType, type MachineEntry, type TransitionInfo } from '../machines/index.js';

/** Repository root (this file lives in `scripts/`). */
const ROOT = join(import.meta.dirname, '..');
/** Where the design's sections, resolutions and extension edges are explained (the SSOT). */
const DESIGN = 'design/machines.md';

/** Display names of the machines, in catalog order. */
const TITLES: Readonly<Record<EntityType, string>> = {
  run: 'Run',
  workstream: 'Workstream',
  task: 'Task',
  worker: 'Orchestration worker',
  uet_worker: 'UET worker',
  patch_ledger: 'Patch ledger',
  test_gate: 'Test gate',
  circuit_breaker: 'Circuit breaker',
};

/**
 * The meaning of every guard, read from the TSDoc comment above its definition in the `guards` of
 * `machines/<entity-type>-machine.ts` (the machines are the single source: nothing here restates a guard).
 */
export function guardMeanings(machinesDir = join(ROOT, 'machines')): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const file of readdirSync(machinesDir).filter((f) => f.endsWith('-machine.ts'))) {
    const entityType = file.replace(/-machine\.ts$/, '').replaceAll('-', '_');
    const text = readFileSync(join(machinesDir, file), 'utf8');
    const start = text.search(/^ {2}guards: \{$/m);
    if (start < 0) continue;
    const end = text.indexOf('\n  },', start);
    const block = text.slice(start, end < 0 ? undefined : end);
    const meanings = new Map<string, string>();
    for (const m of block.matchAll(/\/\*\*([\s\S]*?)\*\/\s*\n\s*(\w+)\s*:/g)) {
      meanings.set(m[2]!, m[1]!.split('\n').map((l) => l.replace(/^\s*\*?\s?/, '').trim()).filter(Boolean).join(' '));
    }
    out.set(entityType, meanings);
  }
  return out;
}

type JsonSchema = {
  type?: string | string[];
  const?: unknown;
  default?: unknown;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  minItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  enum?: unknown[];
};

const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';
const SAFE = Number.MAX_SAFE_INTEGER;

/** A compact, TypeScript-like rendering of a JSON schema produced by zod. */
function typeText(s: JsonSchema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.anyOf) return s.anyOf.map(typeText).join(' | ');
  if (Array.isArray(s.type)) return s.type.join(' | ');
  switch (s.type) {
    case 'integer':
    case 'number': {
      const lo = s.minimum !== undefined && s.minimum > -SAFE ? s.minimum : undefined;
      const hi = s.maximum !== undefined && s.maximum < SAFE ? s.maximum : undefined;
      const range =
        s.exclusiveMinimum !== undefined ? ` > ${s.exclusiveMinimum}` : lo !== undefined && hi !== undefined ? ` ${lo}–${hi}` : lo !== undefined ? ` ≥ ${lo}` : hi !== undefined ? ` ≤ ${hi}` : '';
      return `${s.type}${range}`;
    }
    case 'string': {
      if (s.pattern === ID_PATTERN) return 'id';
      if (s.pattern) return `string /${s.pattern}/`;
      const len = s.minLength !== undefined && s.maxLength !== undefined ? `${s.minLength}–${s.maxLength}` : s.maxLength !== undefined ? `≤ ${s.maxLength}` : s.minLength !== undefined ? `≥ ${s.minLength}` : '';
      return len ? `string(${len})` : 'string';
    }
    case 'array':
      return `${s.items ? wrap(typeText(s.items)) : 'unknown'}[]${s.minItems ? ` (≥ ${s.minItems})` : ''}`;
    case 'object':
      if (s.properties) return `{ ${fieldsText(s).join('; ')} }`;
      if (s.additionalProperties && typeof s.additionalProperties === 'object') return `Record<string, ${typeText(s.additionalProperties)}>`;
      return 'object';
    default:
      return s.type ?? 'unknown';
  }
}

function wrap(t: string): string {
  return t.includes('|') ? `(${t})` : t;
}

/** `name: type`, `name?: type`, `name?: type = default` for each property except the event's `type`. */
function fieldsText(s: JsonSchema): string[] {
  const required = new Set(s.required ?? []);
  return Object.entries(s.properties ?? {})
    .filter(([name]) => name !== 'type' || s.properties![name]!.const === undefined)
    .map(([name, p]) => `${name}${required.has(name) ? '' : '?'}: ${typeText(p)}${p.default !== undefined ? ` = ${JSON.stringify(p.default)}` : ''}`);
}

/** The fields of one event or input schema as zod accepts them (defaults applied after). */
function payloadFields(schema: z.ZodType): string[] {
  return fieldsText(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
}

/** The payload of one event, as a markdown table cell. */
function payloadCell(schema: z.ZodType): string {
  const fields = payloadFields(schema);
  return fields.length ? fields.map((f) => `\`${f.replaceAll('|', '\\|')}\``).join('<br>') : '–';
}

/** `§1.4, §8.4.2` / `R-3` → links into the design document. */
function sectionLinks(section: string): string {
  return section
    .split(/,\s*/)
    .map((s) => s.trim())
    .map((s) => {
      const anchor = s.startsWith('§') ? `ssot-${s.slice(1)}` : s.toLowerCase();
      return `[${s}](${DESIGN}#${anchor})`;
    })
    .join(', ');
}

function tagCell(t: TransitionInfo): string {
  if (t.internal) return 'in-state update';
  return t.ext ? `[${t.ext}](#${t.ext.toLowerCase()})` : 'SSOT';
}

/** The first paragraph under `### EXT-n …` in the design document: why the extension edge exists. */
function extensionWhy(design: string, ext: string): { title: string; why: string } {
  const lines = design.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`### ${ext} `));
  if (at < 0) throw new Error(`docs/${DESIGN} has no "### ${ext}" section explaining the extension edge`);
  const body: string[] = [];
  for (const l of lines.slice(at + 2)) {
    if (!l.trim()) break;
    body.push(l.trim());
  }
  return { title: lines[at]!.slice(`### ${ext} `.length), why: body.join(' ').replace(/\]\(#/g, `](${DESIGN}#`) };
}

function machineSection(entry: MachineEntry, guards: Map<string, string>): string[] {
  const lines: string[] = [];
  const { entityType } = entry;
  const ownSections = [...new Set(entry.transitions.filter((t) => t.ssot).map((t) => t.section.split(/,\s*/)[0]!))].filter((s) => s.startsWith('§'));
  lines.push(`## ${TITLES[entityType]} (\`${entityType}\`)`, '');
  lines.push(`Design: ${sectionLinks(ownSections.join(', '))}. Machine version \`${entry.version}\`.`, '');
  lines.push('| state | kind |', '|---|---|');
  for (const s of entry.states) {
    const kind = [s === entry.initial ? 'initial' : '', entry.terminal.includes(s) ? 'terminal' : ''].filter(Boolean).join(', ');
    lines.push(`| \`${s}\` | ${kind || '–'} |`);
  }
  lines.push('', '### Transitions', '', 'In the order the machine tries them: for one state and event, the first transition whose guard holds is taken.', '');
  lines.push('| from | event | to | guard | tag | section |', '|---|---|---|---|---|---|');
  for (const t of entry.transitions) {
    lines.push(`| \`${t.from}\` | \`${t.event}\` | ${t.internal ? '(stays)' : `\`${t.to}\``} | ${t.guard ? `\`${t.guard}\`` : '–'} | ${tagCell(t)} | ${sectionLinks(t.section)} |`);
  }
  const used = [...new Set(entry.transitions.map((t) => t.guard).filter((g): g is string => g !== null))];
  if (used.length) {
    lines.push('', '### Guards', '', '| guard | holds when |', '|---|---|');
    for (const g of used) {
      const meaning = guards.get(g);
      if (!meaning) throw new Error(`guard ${g} of ${entityType} has no TSDoc comment in machines/${entityType.replaceAll('_', '-')}-machine.ts`);
      lines.push(`| \`${g}\` | ${meaning.replaceAll('|', '\\|')} |`);
    }
  }
  lines.push('', '### Events', '', '| event | payload |', '|---|---|');
  for (const e of entry.events) lines.push(`| \`${e}\` | ${payloadCell(entry.eventSchemas[e]!)} |`);
  lines.push('', '### Input (creation)', '', ...payloadFields(entry.inputSchema).map((f) => `- \`${f}\``), '');
  return lines;
}

/** The whole of `docs/machines.md`, generated from the machine catalog, the edge meta, the zod schemas and guard TSDoc. */
export function renderMachineReference(): string {
  const meanings = guardMeanings();
  const design = readFileSync(join(ROOT, 'docs', DESIGN), 'utf8');
  const entries = ENTITY_TYPES.map((t) => machineCatalog[t]);
  const lines: string[] = [
    '<!-- Generated by `npm run docs:machines` from machines/ (machineCatalog, edge meta, zod schemas, guard TSDoc). -->',
    '<!-- Do not edit: test/docs/machine-reference.test.ts fails when this file differs from the generator. -->',
    '',
    '# Machine reference',
    '',
    `Every state, transition, guard and event of Gantry's eight machines, exactly as \`machines/\` defines them. Why`,
    `they are so is explained section by section in [the design](${DESIGN}) (the SSOT). "Tag" says where an edge`,
    'comes from: `SSOT` (the design), `EXT-n` (an extension edge, [below](#extension-edges)) or an in-state update',
    '(changes context, not state; not an edge). Every event also carries `now` (epoch milliseconds: machines read no',
    'clock) and may carry a human `reason`. In payloads, `id` is a string matching `[A-Za-z0-9][A-Za-z0-9._-]{0,127}`,',
    '`?` marks an optional field and `= x` its default.',
    '',
    '| machine | entity type | states | terminal | SSOT triggers | extension triggers | in-state updates |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const e of entries) {
    const count = (f: (t: TransitionInfo) => boolean): number => e.transitions.filter(f).length;
    lines.push(
      `| [${TITLES[e.entityType]}](#${TITLES[e.entityType].toLowerCase().replaceAll(' ', '-')}-${e.entityType.replaceAll('_', '_')}) | \`${e.entityType}\` | ${e.states.length} | ${e.terminal.length} | ${count((t) => t.ssot)} | ${count((t) => t.ext !== null)} | ${count((t) => t.internal)} |`,
    );
  }
  lines.push('');
  for (const e of entries) lines.push(...machineSection(e, meanings.get(e.entityType) ?? new Map()));
  lines.push('## Extension edges', '');
  const exts = [...new Set(entries.flatMap((e) => e.transitions.map((t) => t.ext).filter((x): x is string => x !== null)))].sort();
  for (const x of exts) {
    const { title, why } = extensionWhy(design, x);
    const edges = entries.flatMap((e) => e.transitions.filter((t) => t.ext === x).map((t) => `\`${e.entityType}\`: \`${t.from}\` → \`${t.to}\` on \`${t.event}\``));
    lines.push(`### ${x}`, '', `**${title}.** ${why}`, '', ...edges.map((d) => `- ${d}`), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
