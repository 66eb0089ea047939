import type { LoadedEntity } from './decide-transition.js';

/** A bounded map of the last-known state of recently used entities (least recently used evicted); default 10,000. */
export class EntityCache {
  private readonly map = new Map<string, LoadedEntity>();
  constructor(private readonly capacity = 10_000) {}

  /** The cache key of an entity. */
  static key(entityType: string, id: string): string {
    return `${entityType}\u0000${id}`;
  }

  /** Whether an entity is cached (its recency unchanged). */
  has(key: string): boolean {
    return this.map.has(key);
  }

  /** The cached entity, refreshed as most recently used. */
  get(key: string): LoadedEntity | undefined {
    const e = this.map.get(key);
    if (e) {
      this.map.delete(key);
      this.map.set(key, e);
    }
    return e;
  }

  /**
   * Stores an entity read or committed elsewhere (a load, a claim, a creation) unless the cache already holds a newer
   * version of it: a read that raced with a commit of this process must not put the older state back.
   */
  offer(key: string, entity: LoadedEntity): void {
    const held = this.map.get(key);
    if (held !== undefined && held.version > entity.version) return;
    this.set(key, entity);
  }

  /** Stores an entity, evicting the least recently used beyond capacity. */
  set(key: string, entity: LoadedEntity): void {
    this.map.delete(key);
    this.map.set(key, entity);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }

  /** Forgets an entity (after a version conflict: someone else moved it). */
  delete(key: string): void {
    this.map.delete(key);
  }
}
