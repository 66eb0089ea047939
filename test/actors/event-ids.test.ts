import { describe, expect, it } from 'vitest';
import { newEventId, ulid } from '../../actors/index.js';

describe('event ids (evt_<ULID>)', () => {
  it('are 26 Crockford base32 characters after evt_, with the time in the first 10', () => {
    const id = newEventId(Date.UTC(2026, 10, 23));
    expect(id).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
    const t = Date.UTC(2100, 0, 1);
    const decoded = [...ulid(t).slice(0, 10)].reduce((n, ch) => n * 32 + '0123456789ABCDEFGHJKMNPQRSTVWXYZ'.indexOf(ch), 0);
    expect(decoded).toBe(t);
  });

  it('are unique and sort in generation order, even within one millisecond or when the clock steps back', () => {
    const ids = [...Array.from({ length: 5000 }, () => newEventId(Date.UTC(2200, 0, 1))), newEventId(Date.UTC(2199, 0, 1)), newEventId(Date.UTC(2200, 0, 1) + 1)];
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
