/** Where an interrupted pass over the catalog stopped: everything ≤ lastCompleted, and the names in completedAhead, are done. */
export interface WalkPosition {
  lastCompleted: string | undefined;
  /** Repositories after lastCompleted that finished while an earlier one was still being read (concurrency). */
  completedAhead: string[];
}

/**
 * Tracks which repositories of a lexically ordered catalog are finished when several are read at once, so a pass that
 * stops (error, time limit, crash) can resume exactly: nothing finished is read again, nothing unfinished is skipped.
 * ACR's catalog is in lexical order ("values lexically after last"), so "done" below the watermark is a comparison.
 */
export class CompletionWatermark {
  private last: string | undefined;
  private readonly ahead: Set<string>;
  private readonly inFlight: string[] = [];
  private readonly finished = new Set<string>();

  constructor(position: WalkPosition = { lastCompleted: undefined, completedAhead: [] }) {
    this.last = position.lastCompleted;
    this.ahead = new Set(position.completedAhead);
  }

  isDone(repository: string): boolean {
    return (this.last !== undefined && repository <= this.last) || this.ahead.has(repository);
  }

  /** Call in catalog order, before reading the repository. */
  start(repository: string): void {
    this.inFlight.push(repository);
  }

  finish(repository: string): void {
    this.finished.add(repository);
    while (this.inFlight.length > 0 && this.finished.has(this.inFlight[0]!)) {
      const done = this.inFlight.shift()!;
      this.finished.delete(done);
      this.last = done;
    }
  }

  position(): WalkPosition {
    const last = this.last;
    const above = (name: string) => last === undefined || name > last;
    const completedAhead = [...new Set([...this.ahead, ...this.finished])].filter(above).sort();
    return { lastCompleted: last, completedAhead };
  }
}
