import { spawn, type ChildProcess } from "node:child_process";

export interface HostProcess {
  url: string;
  keys: { functionKey: string; masterKey: string; durableSystemKey: string };
  taskHub: string;
  child: ChildProcess;
  /** Everything the process printed (for failure messages). */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

/** Runs the devhost CLI (`main.js`) as its own Node process and waits for its DEVHOST_READY line. */
export async function spawnHostProcess(mainJs: string, args: string[], timeoutMs = 60_000): Promise<HostProcess> {
  const child = spawn(process.execPath, [mainJs, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ready = await new Promise<{ url: string; keys: HostProcess["keys"]; taskHub: string }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`devhost did not start within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString("utf8");
      const line = output.split("\n").find((l) => l.startsWith("DEVHOST_READY "));
      if (line) {
        clearTimeout(timer);
        resolve(
          JSON.parse(line.slice("DEVHOST_READY ".length)) as {
            url: string;
            keys: HostProcess["keys"];
            taskHub: string;
          },
        );
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`devhost exited before it was ready:\n${output}`));
    });
  });
  return { ...ready, child, output: () => output, exited };
}
