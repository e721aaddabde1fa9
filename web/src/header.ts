// header.ts: the always-visible bar: partner link state of the viewed
// node, readiness, picture-digest agreement, the live connection, and the
// "node unreachable" banner.

import type { LinkState, Nation } from "./api";
import { byId, h, replace } from "./dom";
import { dateTime, nationName, t, utc, validTime } from "./i18n";
import type { Store } from "./store";

const STATES: LinkState[] = ["up", "degraded", "down", "unknown"];

export function renderHeader(store: Store): void {
  renderLinks(store);
  renderBanner(store);
}

function renderLinks(store: Store): void {
  const box = byId("links");
  box.setAttribute("aria-label", t("links_label", { nation: nationName(store.nation) }));
  const ns = store.nationStatus();
  const kids: Node[] = [];
  const partners = (["jp", "kr", "us"] as Nation[]).filter((p) => p !== store.nation);
  for (const p of partners) {
    const l = ns?.links?.find((x) => x.partner === p);
    const st: LinkState = l && STATES.includes(l.state) ? l.state : "unknown";
    const label = t("link_to", { partner: nationName(p), state: t(`link_${st}`) });
    const detail = l
      ? t("link_detail", {
          since: validTime(l.since) ? utc(l.since) : t("never"),
          heartbeat: validTime(l.last_heartbeat) ? utc(l.last_heartbeat) : t("never"),
          behind: l.behind ?? 0,
        })
      : "";
    kids.push(
      h(
        "span",
        { class: `badge link ${st}`, "data-partner": p, "data-state": st, title: detail || null },
        h("span", { class: "dot", "aria-hidden": "true" }),
        label,
      ),
    );
  }
  if (ns) {
    kids.push(
      h("span", { class: `badge ${ns.ready ? "ready" : "notready"}`, title: ns.why || null, id: "node-ready" }, t(ns.ready ? "node_ready" : "node_not_ready")),
    );
  }
  const dg = digestState(store);
  kids.push(h("span", { class: `badge digest ${dg.key}`, id: "digest", title: dg.title, "data-digest": dg.key }, t(dg.key)));
  const connKey = `conn_${store.conn}` as const;
  kids.push(h("span", { class: `badge conn ${store.conn}`, id: "conn", "data-conn": store.conn }, t(connKey)));
  // The box is a live region: replace its content only when what it says
  // changes, so that a screen reader is not told the same thing every poll.
  const key = kids.map((k) => `${(k as Element).className}|${k.textContent}`).join("/");
  if (box.dataset.key === key && box.children.length === kids.length) {
    kids.forEach((k, i) => {
      const title = (k as Element).getAttribute("title");
      const cur = box.children[i];
      if (title === null) cur.removeAttribute("title");
      else if (cur.getAttribute("title") !== title) cur.setAttribute("title", title);
    });
    return;
  }
  box.dataset.key = key;
  replace(box, ...kids);
}

function renderBanner(store: Store): void {
  const b = byId("banner");
  if (store.conn !== "unreachable") {
    b.hidden = true;
    b.replaceChildren();
    return;
  }
  const last = store.lastContact ? new Date(store.lastContact).toISOString() : undefined;
  replace(
    b,
    h("strong", null, t("conn_unreachable")),
    " ",
    t("banner_unreachable"),
    " ",
    h("span", { title: last ? utc(last) : null }, t("banner_last_contact", { time: last ? dateTime(last) : t("never") })),
  );
  b.hidden = false;
}

type DigestKey = "digest_agree" | "digest_differ" | "digest_pending" | "digest_unknown";

/**
 * digestState tells whether the viewed node's picture agrees with its
 * partners': from the node's own comparison (status picture.partners)
 * when it has one, else by comparing the digests the nations publish.
 */
export function digestState(store: Store): { key: DigestKey; title: string | null } {
  const ns = store.nationStatus();
  const parts = ns?.picture?.partners ?? [];
  if (ns?.picture) {
    const states = parts.map((p) => p.state.toLowerCase());
    const key: DigestKey = !states.length
      ? "digest_pending"
      : states.includes("disagree")
        ? "digest_differ"
        : states.every((s) => s === "agree")
          ? "digest_agree"
          : "digest_pending";
    const list = [
      `${ns.nation.toUpperCase()} ${(ns.picture.picture ?? "").slice(0, 12)} (${ns.picture.measurements ?? 0})`,
      ...parts.map((p) => `${p.partner.toUpperCase()} ${p.state} (${p.measurements ?? 0})`),
    ].join(", ");
    return { key, title: t("digest_detail", { list }) };
  }
  const digests = (store.status?.nations ?? []).filter((n) => n.digest).map((n) => [n.nation, n.digest!] as const);
  if (digests.length < 2) return { key: "digest_unknown", title: null };
  const key: DigestKey = new Set(digests.map(([, d]) => d)).size === 1 ? "digest_agree" : "digest_differ";
  return { key, title: t("digest_detail", { list: digests.map(([n, d]) => `${n.toUpperCase()} ${d.slice(0, 12)}`).join(", ") }) };
}
