import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface TlsMaterial {
  key: string;
  cert: string;
}

export interface RunningServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** Starts an HTTP(S) server on loopback; port 0 picks a free port. Keeps track of sockets so close() never hangs. */
export async function listen(
  listener: RequestListener,
  options: { port?: number; host?: string; tls?: TlsMaterial },
): Promise<RunningServer> {
  const server: Server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert, highWaterMark: 1 << 20 }, listener)
    : createHttpServer({ highWaterMark: 1 << 20 }, listener);
  server.keepAliveTimeout = 5_000;
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
