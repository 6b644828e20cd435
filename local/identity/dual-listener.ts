import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import type { RequestListener, RunningServer, TlsMaterial } from "../http/server.js";

/** The first byte of a TLS record carrying a handshake (RFC 8446 §5.1, ContentType handshake(22)). */
const TLS_HANDSHAKE = 0x16;

/**
 * One loopback port that answers both plain HTTP (the managed-identity protocol and the discovery the app reads, as
 * before) and HTTPS (the sign-in front MSAL needs: it refuses non-https authorities). Each connection goes to the
 * HTTPS server when its first byte opens a TLS handshake, to the HTTP server otherwise. Local only.
 */
export async function listenHttpAndHttps(
  listener: RequestListener,
  options: { port?: number; tls: TlsMaterial },
): Promise<RunningServer> {
  const http = createHttpServer(listener);
  const https = createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, listener);
  http.keepAliveTimeout = 5_000;
  https.keepAliveTimeout = 5_000;
  const sockets = new Set<Socket>();
  const front = createNetServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.once("data", (first) => {
      socket.pause();
      socket.unshift(first);
      (first[0] === TLS_HANDSHAKE ? https : http).emit("connection", socket);
      process.nextTick(() => socket.resume());
    });
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    front.once("error", reject);
    front.listen(options.port ?? 0, "127.0.0.1", () => {
      front.off("error", reject);
      resolve();
    });
  });
  const port = (front.address() as AddressInfo).port;
  return {
    server: http,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        front.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
