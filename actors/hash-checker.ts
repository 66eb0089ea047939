import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { HashWorkerError } from './errors.js';
import type { HashJob } from './hash-check.js';
import type { HashJobAnswer, HashJobMessage } from './hash-check-worker.js';

/**
 * Re-hashes audit rows on a worker thread (`audit verify`, issue 14: the SHA-256 over canonical JSON costs more than
 * reading a row, so it runs beside the reading thread instead of after it). Jobs are answered in order;
 * {@link HashChecker.close} ends the thread. From the TypeScript sources (tests, benchmarks) the thread loads the
 * worker's source through tsx, a development dependency; from `dist/` the compiled module.
 */
export class HashChecker {
  private readonly worker: Worker;
  private readonly module: string;
  private readonly waiting = new Map<number, { resolve: (bad: number) => void; reject: (e: unknown) => void }>();
  private nextId = 0;
  private failure: HashWorkerError | null = null;
  private static current: HashChecker | null = null;

  /**
   * The process's checker, started at the first use and kept (its thread holds the process open only while a job
   * waits), so repeated verifications pay the thread's start once; a new one replaces it if its thread failed.
   */
  static shared(): HashChecker {
    if (!HashChecker.current || HashChecker.current.failure) HashChecker.current = new HashChecker();
    return HashChecker.current;
  }

  constructor() {
    const ext = extname(fileURLToPath(import.meta.url));
    const url = new URL(`./hash-check-worker${ext}`, import.meta.url);
    this.module = fileURLToPath(url);
    // Node 20 applies no loader hooks of this thread to a worker's: a worker on the sources registers tsx itself.
    this.worker = ext === '.ts'
      ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`, { eval: true })
      : new Worker(url);
    this.worker.unref();
    this.worker.on('message', (a: HashJobAnswer) => {
      const w = this.waiting.get(a.id);
      this.waiting.delete(a.id);
      if (this.waiting.size === 0) this.worker.unref();
      w?.resolve(a.bad);
    });
    const fail = (cause: unknown) => {
      this.failure ??= new HashWorkerError(this.module, { cause });
      for (const w of this.waiting.values()) w.reject(this.failure);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
  }

  /** Posts a job (the array is handed over, not kept): the index of its first row whose hash differs, or -1. */
  check(job: HashJob): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const message: HashJobMessage = { id, job };
    return new Promise<number>((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage(message);
    });
  }

  /** Ends the thread; jobs not answered yet are rejected. */
  async close(): Promise<void> {
    this.failure ??= new HashWorkerError(this.module, { cause: new Error('closed') });
    await this.worker.terminate();
  }
}
