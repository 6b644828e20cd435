import { CompletionWatermark, type WalkPosition } from "./watermark.js";

export interface WalkOptions {
  /** The catalog, in its (lexical) order, fetched page by page as the walk asks for more. */
  repositories: AsyncIterable<string>;
  /** Where an earlier pass stopped; repositories it finished are skipped. */
  resumeFrom?: WalkPosition;
  /** Repositories read at once. */
  concurrency: number;
  /** No repository is started at or after this time (epoch ms); those already started finish. */
  deadline: number;
  /** The clock the deadline is measured on (epoch ms). */
  now: () => number;
  /** Reads one repository. A rejection stops the walk cleanly: nothing new starts, running ones finish. */
  visit: (repository: string) => Promise<void>;
  /** After each finished repository, with the position a resumed pass would start from. A rejection stops the walk. */
  onProgress?: (position: WalkPosition) => Promise<void> | void;
}

export interface WalkResult {
  stoppedBy: "done" | "error" | "time-limit";
  error?: unknown;
  /** The repository whose visit failed; undefined when the catalog itself failed. */
  failedRepository?: string;
  visited: number;
  skipped: number;
  position: WalkPosition;
}

/**
 * Walks the catalog with bounded concurrency. Memory holds one catalog page and the repositories in flight, whatever
 * the registry's size. The first error or the deadline ends the walk without abandoning work half done, and the
 * result's position says exactly where to resume.
 */
export async function walkRepositories(options: WalkOptions): Promise<WalkResult> {
  const { now } = options;
  const watermark = new CompletionWatermark(options.resumeFrom);
  const running = new Set<Promise<void>>();
  let stop: { by: "error" | "time-limit"; error?: unknown; repository?: string } | undefined;
  let visited = 0;
  let skipped = 0;

  const run = async (repository: string): Promise<void> => {
    try {
      await options.visit(repository);
    } catch (error) {
      stop ??= { by: "error", error, repository };
      return;
    }
    watermark.finish(repository);
    visited += 1;
    try {
      await options.onProgress?.(watermark.position());
    } catch (error) {
      stop ??= { by: "error", error };
    }
  };

  try {
    for await (const repository of options.repositories) {
      if (stop) break;
      if (watermark.isDone(repository)) {
        skipped += 1;
        continue;
      }
      while (running.size >= options.concurrency && !stop) await Promise.race(running);
      if (stop) break;
      if (now() >= options.deadline) {
        stop = { by: "time-limit" };
        break;
      }
      watermark.start(repository);
      const task: Promise<void> = run(repository).finally(() => running.delete(task));
      running.add(task);
    }
  } catch (error) {
    stop ??= { by: "error", error };
  }
  await Promise.all(running);
  return {
    stoppedBy: stop?.by ?? "done",
    ...(stop?.error !== undefined ? { error: stop.error } : {}),
    ...(stop?.repository !== undefined ? { failedRepository: stop.repository } : {}),
    visited,
    skipped,
    position: watermark.position(),
  };
}
