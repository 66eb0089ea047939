import { randomBytes } from 'node:crypto';
import { ID_PATTERN } from '../machines/index.js';
import { InvalidEntityIdError } from './errors.js';

/** Throws `InvalidEntityIdError` unless `id` matches the plan's id pattern. */
export function assertEntityId(entityType: string, id: string): void {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) throw new InvalidEntityIdError(entityType, String(id));
}

// ULIDs (48-bit ms time + 80 random bits, Crockford base32). The `ulid` package draws its randomness one
// character at a time (~70 µs per id here, a third of a transition's CPU); this draws from a pooled buffer and
// increments the random part within one millisecond, so ids stay unique and sortable within the process.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
let pool = randomBytes(4096);
let offset = 0;
let lastTime = -1;
const lastRandom = new Uint8Array(16);

function freshRandom(): void {
  if (offset + 16 > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  for (let i = 0; i < 16; i++) lastRandom[i] = pool[offset + i]! & 31;
  offset += 16;
}

function incrementRandom(): void {
  for (let i = 15; i >= 0; i--) {
    if (lastRandom[i]! < 31) {
      lastRandom[i]!++;
      return;
    }
    lastRandom[i] = 0;
  }
}

/** A ULID for time `now` (epoch ms), monotonic within the process. */
export function ulid(now: number): string {
  let t = Math.max(0, Math.floor(now));
  if (t <= lastTime) {
    t = lastTime;
    incrementRandom();
  } else {
    lastTime = t;
    freshRandom();
  }
  let out = '';
  for (let i = 9; i >= 0; i--) {
    out = CROCKFORD[t % 32]! + out;
    t = Math.floor(t / 32);
  }
  for (let i = 0; i < 16; i++) out += CROCKFORD[lastRandom[i]!]!;
  return out;
}

/** A new audit event id, `evt_<ULID>` (docs/design/engine.md §3), monotonic within the process. */
export function newEventId(now: number): string {
  return `evt_${ulid(now)}`;
}
