/** Durations for people: "3 h 12 min", "45 s". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export function when(iso: string | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d+Z$/, " UTC");
}

export const age = (iso: string | undefined, now = Date.now()) => (iso ? duration(now - Date.parse(iso)) : "—");

/** Time left before a deadline, or undefined when there is none. */
export const timeLeft = (deadline: string | undefined, now = Date.now()) =>
  deadline ? Date.parse(deadline) - now : undefined;
