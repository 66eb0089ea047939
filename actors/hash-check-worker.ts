/**
 * The hash worker's thread (started by {@link HashChecker}): answers each `{ id, job }` message with
 * `{ id, bad }`, `bad` the first row of the job whose hash does not recompute, or -1.
 */
import { parentPort } from 'node:worker_threads';
import { checkHashJob, type HashJob } from './hash-check.js';

/** A job posted to the hash worker. */
export interface HashJobMessage {
  readonly id: number;
  readonly job: HashJob;
}

/** The hash worker's answer to a {@link HashJobMessage}. */
export interface HashJobAnswer {
  readonly id: number;
  readonly bad: number;
}

parentPort?.on('message', (m: HashJobMessage) => {
  const answer: HashJobAnswer = { id: m.id, bad: checkHashJob(m.job) };
  parentPort!.postMessage(answer);
});
