// main.ts: the console's entry point: language and nation choice, hash
// routing (#/, #/alerts, #/events/ID, #/hotline, #/hotline/ROOM: the node
// serves only index.html and assets), and the wiring of store, live
// connection, map and panels.

import "./style.css";
import { NATIONS, type Nation } from "./api";
import { AlertsPanel } from "./alerts";
import { byId, h, replace } from "./dom";
import { EventPage } from "./eventpage";
import { EventsPanel } from "./events";
import { renderHeader } from "./header";
import { HotlinePanel, parseHotlineRoute } from "./hotline";
import { LANGS, currentLang, nationName, onLangChange, pickLang, setLang, t, type Lang } from "./i18n";
import { Live } from "./live";
import { TheatreMap } from "./map";
import { renderUser, signIn, type SessionInfo } from "./login";
import { Store, type Changes } from "./store";

type Route = { name: "events" } | { name: "alerts" } | { name: "event"; id: string } | { name: "hotline"; room: string | null };

export function parseRoute(hash: string): Route {
  const hl = parseHotlineRoute(hash);
  if (hl) return { name: "hotline", room: hl.room };
  const m = /^#\/events\/(.+)$/.exec(hash);
  if (m) {
    try {
      return { name: "event", id: decodeURIComponent(m[1]) };
    } catch {
      return { name: "events" };
    }
  }
  if (hash === "#/alerts") return { name: "alerts" };
  return { name: "events" };
}

function stored<T extends string>(key: string, allowed: readonly T[]): T | null {
  try {
    const v = localStorage.getItem(key);
    return v && (allowed as readonly string[]).includes(v) ? (v as T) : null;
  } catch {
    return null;
  }
}

function save(key: string, v: string): void {
  try {
    localStorage.setItem(key, v);
  } catch {
    /* private mode */
  }
}

function main(signedIn: SessionInfo): void {
  const params = new URLSearchParams(location.search);
  // A user sees and acts for their own nation's node only.
  const nation: Nation = signedIn.user.nation;

  const store = new Store();
  const live = new Live(store);
  const map = new TheatreMap(byId("map"), store);
  const eventsPanel = new EventsPanel(store);
  const alertsPanel = new AlertsPanel(store);
  const hotlinePanel = new HotlinePanel(store);
  live.onHotline = (e) => hotlinePanel.onLive(e);
  live.onCall = (v) => hotlinePanel.onCall(v);
  let page: EventPage | null = null;
  let route = parseRoute(location.hash);

  const langSel = byId<HTMLSelectElement>("lang");
  const nationSel = byId<HTMLSelectElement>("nation");
  const panel = byId("panel");
  const nav = byId("tabs");

  function renderStatic(): void {
    document.title = t("app_title");
    byId("title").textContent = t("app_title");
    byId("skip").textContent = t("skip_to_main");
    byId("lang-label").textContent = t("lang_label");
    byId("nation-label").textContent = t("nation_label");
    nav.setAttribute("aria-label", t("tabs_label"));
    replace(langSel, ...LANGS.map((l) => h("option", { value: l, lang: l, selected: l === currentLang() }, { en: "English", ja: "日本語", ko: "한국어" }[l])));
    replace(nationSel, ...NATIONS.filter((n) => n === store.nation).map((n) => h("option", { value: n, selected: true }, `${nationName(n)} (${n.toUpperCase()})`)));
    nationSel.disabled = true;
    renderUser();
    byId("footer-status").textContent = t("footer_status");
    byId("footer-version").textContent = t("footer_version", { version: store.status?.version || "" });
    byId("cap-close").textContent = t("close");
    renderNav();
  }

  function renderNav(): void {
    const tab = (href: string, key: "tab_events" | "tab_alerts" | "tab_hotline", on: boolean, id: string) =>
      h("a", { href, id, class: on ? "tab on" : "tab", "aria-current": on ? "page" : null }, t(key));
    replace(
      nav,
      tab("#/", "tab_events", route.name === "events" || route.name === "event", "tab-events"),
      tab("#/alerts", "tab_alerts", route.name === "alerts", "tab-alerts"),
      tab("#/hotline", "tab_hotline", route.name === "hotline", "tab-hotline"),
    );
  }

  function renderPanel(relabel = false): void {
    if (route.name !== "hotline") hotlinePanel.hide();
    if (route.name === "hotline") {
      page?.destroy();
      page = null;
      if (panel.firstChild !== hotlinePanel.el) replace(panel, hotlinePanel.el);
      hotlinePanel.show(route.room);
      hotlinePanel.render(relabel);
      return;
    }
    if (route.name === "event") {
      if (!page || page.id !== route.id) {
        page?.destroy();
        page = new EventPage(store, route.id);
        replace(panel, page.el);
        const p = page;
        void live.fetchEvent(route.id).then((e) => {
          if (!e && !store.events.has(p.id)) p.notFound = true;
          if (page === p) p.render();
        });
      }
      page.render(relabel);
      return;
    }
    page?.destroy();
    page = null;
    const p = route.name === "alerts" ? alertsPanel : eventsPanel;
    if (panel.firstChild !== p.el) replace(panel, p.el);
    p.render();
  }

  // Panels redraw at most 4 times a second; the map on every frame.
  let panelTimer = 0;
  let panelDirty = false;
  let lastPanel = 0;
  function schedulePanel(): void {
    panelDirty = true;
    if (panelTimer) return;
    const wait = Math.max(0, 250 - (Date.now() - lastPanel));
    panelTimer = window.setTimeout(() => {
      panelTimer = 0;
      if (!panelDirty) return;
      panelDirty = false;
      lastPanel = Date.now();
      renderPanel();
    }, wait);
  }

  store.subscribe((c: Changes) => {
    if (c.status || c.conn) {
      if (store.status && !performance.getEntriesByName("trilink:first-status").length) performance.mark("trilink:first-status");
      renderHeader(store);
      byId("footer-version").textContent = t("footer_version", { version: store.status?.version || "" });
    }
    const onEvents = route.name === "events" || route.name === "event";
    if ((onEvents && (c.events.size || c.eventsReset)) || (route.name === "alerts" && c.alerts) || (route.name === "event" && c.conn)) schedulePanel();
    if (route.name === "event" && c.alerts) schedulePanel();
    document.body.dataset.conn = store.conn;
  });

  onLangChange(() => {
    renderStatic();
    renderHeader(store);
    renderPanel(true);
  });

  langSel.addEventListener("change", () => {
    const l = langSel.value as Lang;
    save("trilink.lang", l);
    setLang(l);
  });
  // The session ended (expired, signed out elsewhere, user disabled).
  window.addEventListener("trilink:signed-out", () => location.reload());

  window.addEventListener("hashchange", () => {
    route = parseRoute(location.hash);
    renderNav();
    renderPanel();
    map.select(route.name === "event" ? route.id : null);
    byId("main").focus({ preventScroll: true });
  });

  byId("skip").addEventListener("click", (ev) => {
    ev.preventDefault();
    byId("main").focus();
  });

  const dlg = byId<HTMLDialogElement>("cap-dialog");
  byId("cap-close").addEventListener("click", () => dlg.close());
  dlg.addEventListener("close", () => {
    const o = dlg.dataset.opener;
    if (o) document.getElementById(o)?.focus();
  });

  store.nation = nation;
  document.body.dataset.nation = nation;
  renderStatic();
  renderHeader(store);
  renderPanel();
  live.start(nation);
  if (route.name === "event") map.select(route.id);

  // For the browser tests and for diagnosis from the developer console.
  (window as unknown as { trilink: unknown }).trilink = {
    store,
    live,
    map: map.map,
    /** Ids of the events drawn on the map. */
    eventsOnMap: () => map.drawn(),
    /** Regions shaded as alerted on the map. */
    alertedOnMap: () => map.alertedCount(),
    /** Points in each plot of the open event page. */
    plotPoints: () => page?.plotPoints() ?? [],
    /** The hotline page's state. */
    hotline: () => hotlinePanel.debug(),
    /** The call bar of the open hotline room. */
    call: () => hotlinePanel.callDebug(),
  };

  const bench = Number(params.get("bench") ?? 0);
  if (bench > 0) {
    void import("./bench").then((b) => b.start(store, bench, Number(params.get("hz") ?? 10)));
  }
}

/** initLang picks the language (?lang=, the stored choice, the browser's) before anything is shown, the sign-in form included. */
function initLang(): void {
  const params = new URLSearchParams(location.search);
  const lang = (params.get("lang") as Lang | null) ?? stored<Lang>("trilink.lang", LANGS) ?? pickLang(navigator.languages ?? [navigator.language]);
  setLang(LANGS.includes(lang) ? lang : "en");
  document.title = t("app_title");
}

initLang();
void signIn().then(main);
