import type {
  FunctionCallback,
  FunctionMetadata,
  HookCallback,
  ProgrammingModel,
  RpcLogCategory,
  RpcLogLevel,
} from "./core-types.js";

/** Mirrors the worker's Disposable: `@azure/functions` hands these back from registerFunction/registerHook. */
export class Disposable {
  static from(...disposables: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => disposables.forEach((d) => d.dispose()));
  }
  #callOnDispose: (() => unknown) | undefined;
  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }
  dispose(): unknown {
    const callback = this.#callOnDispose;
    this.#callOnDispose = undefined;
    return callback?.();
  }
}

/** Where registrations go while one app is being loaded. */
export interface RegistrationSink {
  registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable;
  registerHook(hookName: string, callback: HookCallback): Disposable;
  systemLog(level: RpcLogLevel, category: RpcLogCategory, message: string): void;
}

let activeSink: RegistrationSink | undefined;
let lastSink: RegistrationSink | undefined;
let programmingModel: ProgrammingModel | undefined;

/**
 * The object `require("@azure/functions-core")` returns inside the devhost. `@azure/functions` resolves it once per
 * process and keeps it, so it is a process-wide singleton that forwards to whichever app is loading right now.
 */
export const coreApi = {
  version: "devhost",
  hostVersion: "4.1037.0",
  Disposable,
  registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
    if (!activeSink) throw new Error("A function can only be registered during app startup.");
    return activeSink.registerFunction(metadata, callback);
  },
  registerHook(hookName: string, callback: HookCallback): Disposable {
    if (!activeSink) throw new Error("Hooks can only be registered during app startup in the devhost.");
    return activeSink.registerHook(hookName, callback);
  },
  setProgrammingModel(model: ProgrammingModel): void {
    programmingModel = model;
  },
  getProgrammingModel(): ProgrammingModel | undefined {
    return programmingModel;
  },
  log(level: RpcLogLevel, category: RpcLogCategory, message: string): void {
    (activeSink ?? lastSink)?.systemLog(level, category, message);
  },
};

/** Routes registrations to `sink` until the returned function is called (app load is sequential, so one at a time). */
export function beginRegistration(sink: RegistrationSink): () => void {
  if (activeSink) throw new Error("Another app is being loaded in this process; app loads must not overlap.");
  activeSink = sink;
  lastSink = sink;
  return () => {
    activeSink = undefined;
  };
}

export function currentProgrammingModel(): ProgrammingModel {
  if (!programmingModel) {
    throw new Error(
      "No programming model was registered: the app never called app.http/app.timer/df.app.* through @azure/functions 4.x.",
    );
  }
  return programmingModel;
}
