/**
 * A one-line progress bar for the command-line tool: drawn on standard
 * error only when that is a terminal and only once the work has taken more
 * than a second, redrawn at most ten times a second, and erased when the
 * work ends. Everywhere else (pipes, files, CI logs) it writes nothing.
 *
 * @module
 */

/** Where a {@linkcode Progress} draws: a writable text stream such as `process.stderr`. */
export interface ProgressStream {
  /** True when the stream is a terminal. */
  isTTY?: boolean;
  /** Width of the terminal in characters, when known. */
  columns?: number;
  /** Write text. */
  write(text: string): unknown;
}

/**
 * Options of {@linkcode Progress}.
 *
 * @example Options for a scan
 * ```ts
 * import type { ProgressOptions } from "./progress.ts";
 * const opts: ProgressOptions = { label: "Scanning", unit: "folders", total: 5000 };
 * ```
 */
export interface ProgressOptions {
  /** What is being done, e.g. "Scanning". */
  label: string;
  /** What is counted, e.g. "folders". */
  unit?: string;
  /** Total count when known in advance (a bar is drawn), else only the count. */
  total?: number;
  /** The stream (default `process.stderr`). */
  stream?: ProgressStream;
  /** Draw nothing before this many milliseconds have passed (default 1000). */
  delayMs?: number;
  /** Least time between two redraws in milliseconds (default 100). */
  intervalMs?: number;
  /** The clock (default `Date.now`). */
  now?: () => number;
  /** Show the time left, from the rate so far, once something is done (needs `total`). */
  eta?: boolean;
}

/**
 * A duration for the bar: `42s`, `3m05s`, `2h07m`.
 *
 * @param ms Milliseconds.
 * @returns The text.
 *
 * @example Three minutes and five seconds
 * ```ts
 * import { shortDuration } from "./progress.ts";
 * console.log(shortDuration(185_000)); // "3m05s"
 * ```
 */
export function shortDuration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
}

/**
 * A progress bar such as `Scanning [##########··········] 2500/5000 folders 50%`.
 * Call {@linkcode Progress.update} as the work advances and
 * {@linkcode Progress.done} at the end (also on failure).
 *
 * @example Counting scanned folders
 * ```ts
 * import process from "node:process";
 * import { Progress } from "./progress.ts";
 * const bar = new Progress({ label: "Scanning", unit: "folders", total: 3, stream: process.stderr });
 * for (let i = 1; i <= 3; i++) bar.update(i);
 * bar.done();
 * ```
 */
export class Progress {
  readonly #label: string;
  readonly #unit: string;
  readonly #stream: ProgressStream;
  readonly #delay: number;
  readonly #interval: number;
  readonly #now: () => number;
  readonly #start: number;
  readonly #enabled: boolean;
  readonly #eta: boolean;
  #total: number | undefined;
  #done = 0;
  #lastDraw = -Infinity;
  #drawn = false;
  #finished = false;

  /**
   * Start measuring; nothing is drawn yet.
   *
   * @param options Label, unit, total, stream and timing.
   */
  constructor(options: ProgressOptions) {
    this.#label = options.label;
    this.#unit = options.unit ?? "";
    this.#stream = options.stream ?? (globalThis as { process?: { stderr: ProgressStream } }).process!.stderr;
    this.#delay = options.delayMs ?? 1000;
    this.#interval = options.intervalMs ?? 100;
    this.#now = options.now ?? Date.now;
    this.#start = this.#now();
    this.#total = options.total;
    this.#enabled = this.#stream.isTTY === true;
    this.#eta = options.eta === true;
  }

  /** Whether the bar has been drawn at least once. */
  get drawn(): boolean {
    return this.#drawn;
  }

  /**
   * Record progress, redrawing when due.
   *
   * @param done How many items are done so far.
   * @param total The total, when it became known or changed.
   * @returns Nothing.
   */
  update(done: number, total?: number): void {
    this.#done = done;
    if (total !== undefined) this.#total = total;
    if (!this.#enabled || this.#finished) return;
    const t = this.#now();
    if (t - this.#start < this.#delay || t - this.#lastDraw < this.#interval) return;
    this.#lastDraw = t;
    this.#draw();
  }

  /**
   * Count one more item (or `n` more).
   *
   * @param n How many items were finished.
   * @returns Nothing.
   */
  tick(n = 1): void {
    this.update(this.#done + n);
  }

  /**
   * The line as it is drawn for the current state, without control characters.
   *
   * @param width Terminal width to fit in.
   * @returns The text of the bar.
   */
  render(width = 80): string {
    const unit = this.#unit === "" ? "" : ` ${this.#unit}`;
    const total = this.#total;
    if (total === undefined || total <= 0) return `${this.#label}: ${this.#done}${unit}`;
    const done = Math.min(this.#done, total);
    const pct = Math.floor((done / total) * 100);
    const left = this.#eta && done > 0 && done < total
      ? ` ETA ${shortDuration(((this.#now() - this.#start) / done) * (total - done))}`
      : "";
    const tail = ` ${done}/${total}${unit} ${pct}%${left}`;
    const room = width - 1 - this.#label.length - 3 - tail.length;
    const barWidth = Math.max(10, Math.min(40, room));
    const filled = Math.round((done / total) * barWidth);
    return `${this.#label} [${"#".repeat(filled)}${"·".repeat(barWidth - filled)}]${tail}`;
  }

  #draw(): void {
    const width = this.#stream.columns ?? 80;
    this.#stream.write(`\r${this.render(width)}\x1b[K`);
    this.#drawn = true;
  }

  /**
   * End the bar: erase the line if anything was drawn. Safe to call twice.
   *
   * @returns Nothing.
   */
  done(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#drawn) this.#stream.write("\r\x1b[K");
  }
}
