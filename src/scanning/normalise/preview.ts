/**
 * A short description of a value taken from a report, for error messages. Reports are attacker-controlled: a
 * message must never serialise a structure of unbounded size or depth (JSON.stringify of a 50,000-deep array
 * overflows the stack). This looks one level deep at most and cuts strings.
 */
export function preview(value: unknown, maxLength = 60): string {
  if (typeof value === "string") {
    const cut = Array.from(value.slice(0, maxLength * 2))
      .slice(0, maxLength)
      .join("");
    return JSON.stringify(cut.length < value.length ? `${cut}…` : cut);
  }
  if (value === null || typeof value === "boolean" || typeof value === "number") return String(value);
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? "" : "s"}`;
  if (typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 0) return "an empty object";
    const shown = keys.slice(0, 3).map((key) => preview(key, 20));
    return `an object with key${keys.length === 1 ? "" : "s"} ${shown.join(", ")}${keys.length > 3 ? ", …" : ""}`;
  }
  return typeof value;
}

/** A JSON pointer segment (RFC 6901: "~" as "~0", "/" as "~1"), cut so that a hostile key cannot bloat a message. */
export function pointerSegment(key: string): string {
  const cut = key.length > 64 ? `${key.slice(0, 64)}…` : key;
  return cut.replaceAll("~", "~0").replaceAll("/", "~1");
}
