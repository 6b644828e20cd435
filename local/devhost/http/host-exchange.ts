import type { IncomingHttpHeaders } from "node:http";

/**
 * A request as the host's areas see it: read whole by the HTTP front (front-worker.mjs) before it reaches them, as
 * the real Functions host reads a request before it invokes the worker.
 */
export interface HostRequest {
  readonly method: string;
  /** The request target as sent (path and query). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Nothing to drain (the body is read): kept so an area answers early the same way it would on a stream. */
  resume(): void;
}

/** A response as the host's areas write it: one head and one body, handed back to the front as one message. */
export interface HostResponse {
  readonly headersSent: boolean;
  readonly ended: boolean;
  writeHead(status: number, headers?: Record<string, string | string[]>): this;
  end(body?: Buffer | string): void;
  /** Drops the connection without an answer (a failure after the head was written). */
  destroy(): void;
}

/** What goes back to the front for one request. */
export type FrontAnswer =
  | { type: "response"; id: number; status: number; headers: Record<string, string | string[]>; body: Uint8Array }
  | { type: "destroy"; id: number };

const EMPTY = new Uint8Array(0);

export class BufferedRequest implements HostRequest {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: IncomingHttpHeaders,
    readonly body: Buffer,
  ) {}

  resume(): void {
    // the body was read whole by the front
  }
}

/** Collects one answer and sends it when it ends; a second end or a destroy after it is ignored. */
export class CollectedResponse implements HostResponse {
  #status = 200;
  #headers: Record<string, string | string[]> = {};
  #headersSent = false;
  #ended = false;

  constructor(
    private readonly id: number,
    private readonly send: (answer: FrontAnswer) => void,
  ) {}

  get headersSent(): boolean {
    return this.#headersSent;
  }

  get ended(): boolean {
    return this.#ended;
  }

  writeHead(status: number, headers: Record<string, string | string[]> = {}): this {
    if (this.#headersSent) throw new Error("the response head was written already");
    this.#status = status;
    this.#headers = headers;
    this.#headersSent = true;
    return this;
  }

  end(body?: Buffer | string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#headersSent = true;
    const bytes = body === undefined ? EMPTY : typeof body === "string" ? Buffer.from(body, "utf8") : body;
    this.send({ type: "response", id: this.id, status: this.#status, headers: this.#headers, body: bytes });
  }

  destroy(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.send({ type: "destroy", id: this.id });
  }
}
