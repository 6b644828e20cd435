import type { FunctionCallback, FunctionMetadata, HookCallback, HookName, RpcBindingInfo } from "./core-types.js";

export type FunctionKind = "http" | "timer" | "orchestration" | "activity" | "entity" | "other";

export interface RegisteredFunction {
  name: string;
  metadata: FunctionMetadata;
  callback: FunctionCallback;
  kind: FunctionKind;
  /** Name of the trigger binding (the key in metadata.bindings). */
  triggerName: string;
  trigger: RpcBindingInfo;
}

/** The real host's rule for function names. */
const FUNCTION_NAME = /^[a-zA-Z][a-zA-Z0-9_-]{0,127}$/;

const KINDS: Record<string, FunctionKind> = {
  httptrigger: "http",
  timertrigger: "timer",
  orchestrationtrigger: "orchestration",
  activitytrigger: "activity",
  entitytrigger: "entity",
};

/** Everything an app registered while it loaded: its functions and its hooks. */
export class FunctionRegistry {
  readonly #functions = new Map<string, RegisteredFunction>();
  readonly #hooks = new Map<HookName | string, HookCallback[]>();

  add(metadata: FunctionMetadata, callback: FunctionCallback): RegisteredFunction {
    const name = metadata.name;
    if (typeof name !== "string" || !FUNCTION_NAME.test(name)) {
      throw new Error(
        `Invalid function name "${String(name)}": use letters, digits, "_" or "-", starting with a letter (max 128).`,
      );
    }
    const existing = [...this.#functions.keys()].find((n) => n.toLowerCase() === name.toLowerCase());
    if (existing)
      throw new Error(`The function name "${name}" is registered twice (function names are case-insensitive).`);
    if (typeof callback !== "function") throw new Error(`Function "${name}" was registered without a handler.`);
    const triggers = Object.entries(metadata.bindings ?? {}).filter(([, b]) => /trigger$/i.test(String(b.type ?? "")));
    if (triggers.length !== 1)
      throw new Error(`Function "${name}" must have exactly one trigger binding (found ${triggers.length}).`);
    const [triggerName, trigger] = triggers[0]!;
    const registered: RegisteredFunction = {
      name,
      metadata,
      callback,
      kind: KINDS[String(trigger.type).toLowerCase()] ?? "other",
      triggerName,
      trigger,
    };
    this.#functions.set(name, registered);
    return registered;
  }

  remove(name: string): void {
    this.#functions.delete(name);
  }

  addHook(hookName: string, callback: HookCallback): () => void {
    const list = this.#hooks.get(hookName) ?? [];
    list.push(callback);
    this.#hooks.set(hookName, list);
    return () => {
      const current = this.#hooks.get(hookName) ?? [];
      this.#hooks.set(
        hookName,
        current.filter((c) => c !== callback),
      );
    };
  }

  hooks(hookName: HookName): readonly HookCallback[] {
    return this.#hooks.get(hookName) ?? [];
  }

  /** Case-insensitive lookup, like the host's function names. */
  get(name: string): RegisteredFunction | undefined {
    const exact = this.#functions.get(name);
    if (exact) return exact;
    const lower = name.toLowerCase();
    return [...this.#functions.values()].find((f) => f.name.toLowerCase() === lower);
  }

  all(): RegisteredFunction[] {
    return [...this.#functions.values()];
  }

  ofKind(kind: FunctionKind): RegisteredFunction[] {
    return this.all().filter((f) => f.kind === kind);
  }
}
