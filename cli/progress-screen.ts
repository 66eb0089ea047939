import type { CommittedTransition } from '../actors/index.js';
import type { RunStatus } from '../engine/index.js';
import { ProgressModel } from './progress-model.js';
import { renderProgress } from './progress-view.js';

/** The least time between two redraws. */
export const REDRAW_MS = 100;
/** Engine notes kept under the live view. */
export const NOTES_SHOWN = 3;

/** What the screen needs from its surroundings: where to write, how wide, the status read, the clock. */
export interface ProgressScreenOptions {
  /** Writes raw text to the terminal (no newline added). */
  readonly write: (text: string) => void;
  /** The terminal's width now (it may be resized). */
  readonly columns: () => number;
  /** The terminal's height now; a taller view is cut to fit (else redrawing in place would fail). Default: no limit. */
  readonly rows?: () => number;
  /** Colours on (false under `NO_COLOR`). */
  readonly color: boolean;
  /** One status read of run `runId` (the initial load); called at most twice per run, never per event. */
  readonly load: (runId: string) => Promise<RunStatus>;
  /** Where a failed load is reported (the view then lives on transitions alone). */
  readonly onError: (err: unknown) => void;
  /** Milliseconds clock; default `Date.now`. */
  readonly now?: () => number;
}

/**
 * The live progress view on a terminal (issue 4): feeds committed transitions to a {@link ProgressModel} and redraws
 * the whole view in place (ANSI: cursor up, clear to the end of the screen) at most every {@link REDRAW_MS} ms, and
 * once a second for the elapsed time. The run's entities are read once when its first transition arrives and once
 * more when the run starts (`pending → running`, every entity then exists); nothing else touches the database.
 */
export class ProgressScreen {
  private readonly model = new ProgressModel();
  private readonly started: number;
  private readonly now: () => number;
  private lastDraw = 0;
  private drawn = 0;
  private pending: NodeJS.Timeout | null = null;
  private readonly ticker: NodeJS.Timeout;
  private readonly loads = new Set<string>();
  private stopped = false;
  private readonly notes: string[] = [];

  constructor(private readonly o: ProgressScreenOptions) {
    this.now = o.now ?? Date.now;
    this.started = this.now();
    this.ticker = setInterval(() => this.draw(), 1000);
    this.ticker.unref();
  }

  /** Takes one committed transition (the `actors.subscribe` listener). */
  onTransition(t: CommittedTransition): void {
    if (this.stopped) return;
    const runId = this.model.apply(t);
    if (runId !== null && runId === this.model.run) {
      this.loadOnce(runId, 'first');
      if (t.entityType === 'run' && t.from === 'pending') this.loadOnce(runId, 'started');
    }
    this.schedule();
  }

  /** Shows one of the engine's notes in the view, under the workers (the last {@link NOTES_SHOWN} distinct ones stay). */
  note(line: string): void {
    if (this.stopped) return;
    // A repeated note (the waiting-for-workers notice comes every minute) does not push the others out.
    const seen = this.notes.indexOf(line);
    if (seen >= 0) this.notes.splice(seen, 1);
    this.notes.push(line);
    if (this.notes.length > NOTES_SHOWN) this.notes.shift();
    this.schedule();
  }

  /** Draws the final frame and stops redrawing; the view stays on screen above what is printed next. */
  stop(): void {
    if (this.stopped) return;
    this.draw();
    this.stopped = true;
    clearInterval(this.ticker);
    if (this.pending) clearTimeout(this.pending);
    this.pending = null;
  }

  private loadOnce(runId: string, why: string): void {
    if (this.loads.has(why)) return;
    this.loads.add(why);
    this.o.load(runId).then(
      (status) => {
        this.model.load(status);
        this.schedule();
      },
      (err: unknown) => this.o.onError(err),
    );
  }

  private schedule(): void {
    if (this.pending || this.stopped) return;
    const wait = Math.max(0, this.lastDraw + REDRAW_MS - this.now());
    this.pending = setTimeout(() => {
      this.pending = null;
      this.draw();
    }, wait);
  }

  private draw(): void {
    if (this.stopped) return;
    this.lastDraw = this.now();
    const width = Math.max(20, this.o.columns() - 1);
    const frame = fitRows(renderProgress({ ...this.model.snapshot(this.lastDraw - this.started), notes: this.notes }, width, { color: this.o.color }), this.o.rows?.() ?? Infinity);
    const up = this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[J` : '';
    this.o.write(up + frame);
    this.drawn = frame.split('\n').length - 1;
  }
}

/** Cuts a frame (lines ending in newlines) to `rows - 1` lines, the last saying how many were left out. */
function fitRows(frame: string, rows: number): string {
  const lines = frame.split('\n').slice(0, -1);
  const room = Math.max(2, rows - 1);
  if (lines.length <= room) return frame;
  return `${[...lines.slice(0, room - 1), `… ${lines.length - room + 1} more lines (terminal too short)`].join('\n')}\n`;
}

/** Whether colours are allowed: not when `NO_COLOR` is set to a non-empty value (https://no-color.org). */
export function colorAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return !env['NO_COLOR'];
}
