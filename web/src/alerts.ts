// alerts.ts: the alerts panel of the viewed node: alerts it sent and
// alerts received from partners, drills marked, partner acknowledgements,
// and each CAP 1.2 document viewable in a dialog.

import { getText, type Alert } from "./api";
import { byId, h, replace } from "./dom";
import { nationName, t, text3, timeEl } from "./i18n";
import type { Store } from "./store";

export class AlertsPanel {
  readonly el: HTMLElement;
  private heading = h("h2", { id: "alerts-heading" });
  private body = h("div", { class: "alerts-body" });

  constructor(private readonly store: Store) {
    this.el = h("section", { class: "panel alerts-panel", id: "alerts-panel", "aria-labelledby": "alerts-heading" }, h("div", { class: "panel-head" }, this.heading), this.body);
  }

  render(): void {
    const n = this.store.nation;
    this.el.dataset.nation = n;
    this.heading.textContent = t("alerts_heading", { nation: nationName(n) });
    const all = [...this.store.alerts.values()].sort((a, b) => Date.parse(b.sent) - Date.parse(a.sent));
    const focused = document.activeElement?.id;
    if (!all.length) {
      replace(this.body, h("p", { class: "empty", id: "alerts-empty" }, this.store.alertsAvailable === false ? t("alerts_unavailable") : t("alerts_empty")));
      return;
    }
    const sent = all.filter((a) => a.origin === n);
    const recv = all.filter((a) => a.origin !== n);
    replace(
      this.body,
      h("h3", { id: "alerts-sent-heading" }, t("alerts_sent"), ` (${sent.length})`),
      h("ul", { class: "alerts", id: "alerts-sent", "aria-labelledby": "alerts-sent-heading" }, ...sent.map((a) => this.card(a))),
      h("h3", { id: "alerts-received-heading" }, t("alerts_received"), ` (${recv.length})`),
      h("ul", { class: "alerts", id: "alerts-received", "aria-labelledby": "alerts-received-heading" }, ...recv.map((a) => this.card(a))),
    );
    if (focused) document.getElementById(focused)?.focus();
  }

  private card(a: Alert): HTMLElement {
    const drill = a.status === "Exercise";
    const regions = (a.regions ?? []).map((r) => text3(r.name) || r.code);
    const acks = a.acks ?? [];
    const capId = `cap-${a.id}`;
    return h(
      "li",
      { class: `alert ${a.kind} ${drill ? "drill" : "actual"}`, "data-alert": a.id, "data-status": a.status },
      h(
        "div",
        { class: "alert-head" },
        drill ? h("span", { class: "badge drill", title: t("alert_drill_note") }, t("alert_drill")) : h("span", { class: "badge actual" }, t("alert_actual")),
        h("span", { class: `badge kind ${a.kind}` }, t(`kind_${a.kind}`)),
        h("span", { class: "badge msgtype" }, t(`msg_${a.msg_type}`)),
        h("span", { class: "origin" }, t("alert_origin", { nation: nationName(a.origin) })),
        timeEl(a.sent),
      ),
      h("p", { class: "headline" }, text3(a.headline) || "—"),
      h(
        "dl",
        null,
        h("dt", null, t("alert_regions")),
        h("dd", null, regions.join(", ") || "—"),
        a.event ? h("dt", null, t("alert_event")) : null,
        a.event ? h("dd", null, h("a", { href: `#/events/${encodeURIComponent(a.event)}` }, a.event)) : null,
        h("dt", null, t("alert_acks")),
        h(
          "dd",
          { class: "acks" },
          acks.length
            ? h("ul", null, ...acks.map((k) => h("li", { "data-ack": k.nation }, nationName(k.nation), " ", timeEl(k.at))))
            : t("acks_none"),
        ),
      ),
      a.cap_url ? h("button", { type: "button", class: "cap", id: capId, onclick: () => void showCap(a, capId) }, t("view_cap")) : null,
    );
  }
}

/** showCap opens the CAP document of a in the dialog; focus returns to the opener on close. */
async function showCap(a: Alert, opener: string): Promise<void> {
  const dlg = byId<HTMLDialogElement>("cap-dialog");
  const pre = byId("cap-text");
  byId("cap-title").textContent = t("cap_title", { id: a.id });
  byId("cap-close").textContent = t("close");
  pre.textContent = t("loading");
  dlg.dataset.opener = opener;
  if (!dlg.open) dlg.showModal();
  try {
    pre.textContent = await getText(a.cap_url!);
  } catch (e) {
    pre.textContent = t("cap_error", { err: e instanceof Error ? e.message : String(e) });
  }
}
