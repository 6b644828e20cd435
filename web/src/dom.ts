/**
 * The only way the page puts text on screen: elements built with createElement and text set with textContent, never
 * innerHTML, so a report's `<script>` or `javascript:` is shown as the characters it is.
 */
type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    // Links only to our own page or http(s): never a javascript: URL from data.
    if (name === "href" && !isSafeHref(value)) continue;
    node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

export function isSafeHref(value: string): boolean {
  if (value.startsWith("?") || value.startsWith("#")) return true;
  try {
    const url = new URL(value, location.href);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

export function replaceMain(...children: Child[]): HTMLElement {
  const main = document.getElementById("main")!;
  main.replaceChildren(...children.filter((c): c is Node | string => Boolean(c)));
  return main;
}

export function table(caption: string, headers: string[], rows: Child[][]): HTMLTableElement {
  return el(
    "table",
    {},
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, c))))),
  );
}

export function definitions(pairs: Array<[string, Child]>): HTMLDListElement {
  return el("dl", {}, ...pairs.flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value ?? "—")]));
}
