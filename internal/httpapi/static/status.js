"use strict";
// Backbone status page: per nation, its partner links, streams and rates.
const names = { jp: "Japan", kr: "Republic of Korea", us: "United States" };

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}

function ago(iso) {
  if (!iso || iso.startsWith("0001")) return "never";
  const s = (Date.now() - Date.parse(iso)) / 1000;
  return s < 1 ? "just now" : s < 120 ? `${s.toFixed(0)} s ago` : `${(s / 60).toFixed(0)} min ago`;
}

function render(data) {
  const main = document.getElementById("nations");
  main.replaceChildren();
  let ready = 0;
  for (const n of data.nations) {
    if (n.ready) ready++;
    const links = el("table", {}, el("tr", {}, el("th", {}, "partner"), el("th", {}, "link"), el("th", {}, "since"), el("th", {}, "heartbeat"), el("th", {}, "behind")));
    for (const l of n.links) {
      links.append(el("tr", { "data-partner": l.partner },
        el("td", {}, l.partner), el("td", {}, el("span", { class: "badge " + l.state }, l.state)),
        el("td", { title: l.since }, ago(l.since)), el("td", { title: l.last_heartbeat || "" }, ago(l.last_heartbeat)),
        el("td", { class: "num" }, l.behind)));
    }
    const streams = el("table", {}, el("tr", {}, el("th", {}, "stream"), el("th", {}, "messages"), el("th", {}, "bytes"), el("th", {}, "msgs/s")));
    for (const s of n.streams || []) {
      streams.append(el("tr", {}, el("td", {}, s.name), el("td", { class: "num" }, s.messages.toLocaleString()),
        el("td", { class: "num" }, s.bytes.toLocaleString()), el("td", { class: "num" }, s.msgs_per_s.toFixed(1))));
    }
    let audit = "";
    if (n.audit) {
      const a = n.audit;
      const all = a.witnesses.every((w) => w.cosigned === a.entries);
      const forks = a.witnesses.reduce((s, w) => s + w.forks_refused, 0);
      audit = el("div", { class: "audit", "data-audit": all ? "witnessed" : "behind" },
        `audit log: ${a.entries.toLocaleString()} entries; cosigned by `,
        a.witnesses.map((w) => `${w.partner} up to ${w.cosigned.toLocaleString()}`).join(", "), " ",
        el("span", { class: "badge " + (all ? "ready" : "notready") }, all ? "witnessed" : "not yet witnessed"),
        forks ? el("span", { class: "badge notready" }, `${forks} partner checkpoints refused as forks`) : "");
    }
    main.append(el("section", { "data-nation": n.nation },
      el("h2", {}, `${names[n.nation] || n.nation} (${n.nation})`, el("span", { class: "badge " + (n.ready ? "ready" : "notready") }, n.ready ? "ready" : "not ready")),
      n.why ? el("div", { class: "why" }, n.why) : "",
      links, streams, audit));
  }
  document.getElementById("summary").textContent = `${ready} of ${data.nations.length} nations ready · ${new Date(data.time).toLocaleTimeString()}`;
}

async function tick() {
  try {
    const r = await fetch("/api/v1/status", { cache: "no-store" });
    render(await r.json());
  } catch (e) {
    document.getElementById("summary").textContent = "node unreachable: " + e;
  }
}
tick();
setInterval(tick, 1000);
