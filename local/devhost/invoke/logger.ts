import type { RpcLogLevel } from "../app/core-types.js";

export interface LogEntry {
  time: Date;
  level: RpcLogLevel;
  /** "Host", "Host.Durable", "Function.<name>", "Function.<name>.User" … like the real host's categories. */
  category: string;
  message: string;
  invocationId?: string;
}

export type LogSink = (entry: LogEntry) => void;

const ORDER: Record<RpcLogLevel, number> = {
  trace: 0,
  debug: 1,
  information: 2,
  warning: 3,
  error: 4,
  critical: 5,
  none: 6,
};

export class HostLogger {
  readonly #minimum: number;
  readonly #sinks: LogSink[];

  constructor(minimumLevel: RpcLogLevel, sinks: LogSink[]) {
    this.#minimum = ORDER[minimumLevel];
    this.#sinks = sinks;
  }

  log(level: RpcLogLevel, category: string, message: string, invocationId?: string): void {
    if (ORDER[level] < this.#minimum || level === "none") return;
    const entry: LogEntry = { time: new Date(), level, category, message, invocationId };
    for (const sink of this.#sinks) sink(entry);
  }

  info(category: string, message: string, invocationId?: string): void {
    this.log("information", category, message, invocationId);
  }

  warn(category: string, message: string, invocationId?: string): void {
    this.log("warning", category, message, invocationId);
  }

  error(category: string, message: string, invocationId?: string): void {
    this.log("error", category, message, invocationId);
  }
}

/** Console output in the spirit of Core Tools: `[time] message`, errors on stderr. */
export const consoleSink: LogSink = (entry) => {
  const line = `[${entry.time.toISOString()}] ${entry.message}`;
  if (ORDER[entry.level] >= ORDER.error) console.error(line);
  else console.log(line);
};

/** Maps host.json `logging.logLevel.default` (Information, Warning, …) to the RPC level names. */
export function parseLogLevel(value: unknown, fallback: RpcLogLevel = "information"): RpcLogLevel {
  if (typeof value !== "string") return fallback;
  const normalized = value.trim().toLowerCase();
  const aliases: Record<string, RpcLogLevel> = { warn: "warning", info: "information" };
  const level = (aliases[normalized] ?? normalized) as RpcLogLevel;
  return level in ORDER ? level : fallback;
}
