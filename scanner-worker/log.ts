/** Fields a log line may carry: identifiers, counts and outcomes. Message texts, URLs with tokens and tokens never. */
export type LogFields = Record<string, string | number | boolean | undefined>;

export type Logger = (level: "info" | "warn" | "error", event: string, fields?: LogFields) => void;

/** One JSON object per line on stdout/stderr, which Container Apps sends to Log Analytics as the console log. */
export const jsonLogger: Logger = (level, event, fields = {}) => {
  const line = JSON.stringify({ time: new Date().toISOString(), level, event, ...fields });
  if (level === "info") console.log(line);
  else console.error(line);
};

export const silentLogger: Logger = () => {};
