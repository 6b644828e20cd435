/**
 * The webhook burst's sender: every delivery at once, each on its own connection, with the function key as ACR sends
 * it, timed from the connect call to the last byte of the answer.
 *
 * Why raw HTTP/1.1 over `net` sockets and not `fetch`: a registry's deliveries come from many machines, so what a
 * delivery waits for is the gate, not the sender. One Node process sending 900 requests through undici's `fetch` spent
 * most of the measured time in its own request and response objects: against a bare Node server answering at once
 * (the floor) its p99 was 0.85–1.15 s on this 2-core machine, a raw socket sender's 0.20–0.23 s in the same runs. The
 * `fetch` sender is kept (BENCH_WEBHOOK_SENDER_KIND=fetch) to compare with earlier figures.
 */
import { connect } from "node:net";
import { epochNow } from "./process-cpu.js";

/** What one webhook delivery of the burst saw: its answer's status and how long the answer took. */
export interface Delivery {
  /** 0: no answer (error says why). */
  status: number;
  ms: number;
  /** When the answer (or the failure) came, in epoch milliseconds (process-cpu.ts). */
  answeredAt: number;
  error?: string;
}

export interface Burst {
  url: string;
  functionKey: string;
  bodies: string[];
}

export type SenderKind = "raw" | "fetch";

export function senderKind(value: string | undefined): SenderKind {
  if (value === undefined || value === "" || value === "raw") return "raw";
  if (value === "fetch") return "fetch";
  throw new Error(`BENCH_WEBHOOK_SENDER_KIND: ${value} is neither raw nor fetch`);
}

export function sendBurst(burst: Burst, kind: SenderKind): Promise<Delivery[]> {
  const send = kind === "raw" ? sendRaw : sendFetch;
  return Promise.all(burst.bodies.map((body) => send(burst, body)));
}

async function sendFetch(burst: Burst, body: string): Promise<Delivery> {
  const sent = performance.now();
  try {
    const response = await fetch(burst.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "x-functions-key": burst.functionKey, Connection: "close" },
      body,
    });
    await response.arrayBuffer();
    return { status: response.status, ms: performance.now() - sent, answeredAt: epochNow() };
  } catch (error) {
    // A delivery that got no answer at all (connection refused or reset): counted, with its cause.
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    return failed(sent, cause?.code ?? cause?.message ?? String(error));
  }
}

function sendRaw(burst: Burst, body: string): Promise<Delivery> {
  const url = new URL(burst.url);
  if (url.protocol !== "http:") throw new Error(`the raw sender speaks plain HTTP only, not ${url.protocol}`);
  const request = Buffer.from(
    `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
      `x-functions-key: ${burst.functionKey}\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  return new Promise((resolve) => {
    const sent = performance.now();
    const chunks: Buffer[] = [];
    let settled = false;
    const settle = (delivery: Delivery) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(delivery);
    };
    const socket = connect(Number(url.port || 80), url.hostname, () => socket.write(request));
    const answered = (closed: boolean) => {
      try {
        const answer = completeAnswer(Buffer.concat(chunks), closed);
        if (answer) settle({ status: answer.status, ms: performance.now() - sent, answeredAt: epochNow() });
        else if (closed) settle(failed(sent, "incomplete answer"));
      } catch (error) {
        settle(failed(sent, (error as Error).message));
      }
    };
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      answered(false);
    });
    socket.on("end", () => answered(true));
    socket.on("error", (error: NodeJS.ErrnoException) => settle(failed(sent, error.code ?? error.message)));
  });
}

/**
 * The status once the head and the whole Content-Length body are in (or, without a length, once the server has closed
 * the connection); undefined while the answer is incomplete.
 */
export function completeAnswer(bytes: Buffer, closed: boolean): { status: number } | undefined {
  const headEnd = bytes.indexOf("\r\n\r\n");
  if (headEnd === -1) return undefined;
  const head = bytes.subarray(0, headEnd).toString("latin1");
  const status = /^HTTP\/1\.[01] (\d{3}) /.exec(head);
  if (!status) throw new Error(`not an HTTP/1.1 answer: ${head.slice(0, 80)}`);
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  // Without a length (chunked or close-delimited) the answer is complete when the server closes the connection.
  if (!length) return closed ? { status: Number(status[1]) } : undefined;
  return bytes.length - (headEnd + 4) >= Number(length[1]) ? { status: Number(status[1]) } : undefined;
}

function failed(sent: number, error: string): Delivery {
  return { status: 0, ms: performance.now() - sent, answeredAt: epochNow(), error };
}
