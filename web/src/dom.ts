// dom.ts: a small helper to build DOM trees without innerHTML (the node's
// Content-Security-Policy allows no inline styles or scripts, and text from
// the network must never become markup).

export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/**
 * h creates an element. Attributes whose value is a function are event
 * listeners ("onclick"); false, null and undefined are left out; true sets
 * an empty attribute.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...kids: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === false || v === null || v === undefined) continue;
      if (typeof v === "function") e.addEventListener(k.replace(/^on/, ""), v);
      else e.setAttribute(k, v === true ? "" : String(v));
    }
  }
  append(e, kids);
  return e;
}

export function append(e: Node, kids: Child[]): void {
  for (const k of kids) {
    if (k === null || k === undefined || k === false) continue;
    e.appendChild(k instanceof Node ? k : document.createTextNode(String(k)));
  }
}

/** replace sets e's children. */
export function replace(e: Element, ...kids: Child[]): void {
  e.replaceChildren();
  append(e, kids);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error("no element #" + id);
  return e as T;
}
