// login.ts: signing in to the node — name and password, or a passkey
// (WebAuthn) — the signed-in user in the header, passkey enrolment and
// signing out. The session lives in an HttpOnly cookie this code never
// sees; it only asks the node who is signed in.

import { ApiError, getJSON, postJSON, Unreachable, type Nation } from "./api";
import { byId, h, replace } from "./dom";
import { t } from "./i18n";

export interface SessionUser {
  name: string;
  display?: string;
  nation: Nation;
  role: "leader" | "official" | "watch_officer" | "observer" | "admin";
  member?: string;
  passkeys: number;
  needs_passkey?: boolean;
}

export interface SessionInfo {
  user: SessionUser;
  method: "password" | "passkey";
  created: string;
  expires: string;
}

let current: SessionInfo | null = null;

/** session is the signed-in user's session, once known. */
export function session(): SessionInfo | null {
  return current;
}

/** signedInMember is the hotline member the signed-in user acts as. */
export function signedInMember(): string | null {
  return current?.user.member || null;
}

/** fetchSession asks the node who is signed in: null when nobody. */
export async function fetchSession(): Promise<SessionInfo | null> {
  try {
    const r = await getJSON<{ session: SessionInfo }>("/api/v1/auth/session");
    current = r.session;
    return current;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

// The WebAuthn JSON helpers (WebAuthn Level 3 §5.1.8–5.1.10), typed here
// because TypeScript's DOM library does not have them yet.
interface PKCStatic {
  parseCreationOptionsFromJSON(o: unknown): PublicKeyCredentialCreationOptions;
  parseRequestOptionsFromJSON(o: unknown): PublicKeyCredentialRequestOptions;
}
type JSONCredential = PublicKeyCredential & { toJSON(): unknown };

function webauthn(): PKCStatic | null {
  const p = (window as unknown as { PublicKeyCredential?: PKCStatic }).PublicKeyCredential;
  return p && typeof p.parseRequestOptionsFromJSON === "function" ? p : null;
}

async function passkeySignIn(): Promise<void> {
  const pkc = webauthn();
  if (!pkc) throw new Error(t("login_passkey_unsupported"));
  const begin = await postJSON<{ ceremony: string; options: { publicKey: unknown } }>("/api/v1/auth/passkey/login/begin", {});
  const cred = (await navigator.credentials.get({ publicKey: pkc.parseRequestOptionsFromJSON(begin.options.publicKey) })) as JSONCredential | null;
  if (!cred) throw new Error(t("login_passkey_cancelled"));
  await postJSON(`/api/v1/auth/passkey/login/finish?ceremony=${encodeURIComponent(begin.ceremony)}`, cred.toJSON());
}

/** addPasskey enrols a passkey for the signed-in user. */
export async function addPasskey(): Promise<void> {
  const pkc = webauthn();
  if (!pkc) throw new Error(t("login_passkey_unsupported"));
  const begin = await postJSON<{ ceremony: string; options: { publicKey: unknown } }>("/api/v1/auth/passkey/register/begin", {});
  const cred = (await navigator.credentials.create({ publicKey: pkc.parseCreationOptionsFromJSON(begin.options.publicKey) })) as JSONCredential | null;
  if (!cred) throw new Error(t("login_passkey_cancelled"));
  const r = await postJSON<{ session: SessionInfo }>(`/api/v1/auth/passkey/register/finish?ceremony=${encodeURIComponent(begin.ceremony)}`, cred.toJSON());
  if (r?.session) current = r.session;
}

/** signOut ends the session and reloads to the sign-in form. */
export async function signOut(): Promise<void> {
  try {
    await postJSON("/api/v1/auth/logout", {});
  } finally {
    current = null;
    location.reload();
  }
}

function errText(e: unknown): string {
  if (e instanceof Unreachable) return t("login_unreachable");
  if (e instanceof ApiError) return e.message;
  if (e instanceof DOMException && e.name === "NotAllowedError") return t("login_passkey_cancelled");
  return e instanceof Error ? e.message : String(e);
}

/**
 * signIn resolves with the session: at once when the browser is signed
 * in, else after the user signs in with the form shown in a modal dialog.
 */
export async function signIn(): Promise<SessionInfo> {
  for (;;) {
    try {
      const s = await fetchSession();
      if (s) return s;
      break;
    } catch {
      // The node is unreachable: say so and try again.
      const b = byId("banner");
      b.hidden = false;
      b.textContent = t("login_unreachable");
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  byId("banner").hidden = true;
  return new Promise((resolve) => {
    const name = h("input", { id: "login-name", name: "username", autocomplete: "username webauthn", required: true, autocapitalize: "none", spellcheck: "false" }) as HTMLInputElement;
    const pw = h("input", { id: "login-password", name: "password", type: "password", autocomplete: "current-password", required: true }) as HTMLInputElement;
    const err = h("p", { id: "login-error", class: "login-error", role: "alert" });
    const submit = h("button", { type: "submit", id: "login-submit" }, t("login_submit"));
    const pk = h("button", { type: "button", id: "login-passkey" }, t("login_passkey"));
    const form = h(
      "form",
      { id: "login-form", class: "login" },
      h("h2", { id: "login-title" }, t("login_title")),
      h("label", { for: "login-name" }, t("login_name")),
      name,
      h("label", { for: "login-password" }, t("login_password")),
      pw,
      h("div", { class: "login-buttons" }, submit, pk),
      err,
    ) as HTMLFormElement;
    const dlg = h("dialog", { id: "login-dialog", "aria-labelledby": "login-title" }, form) as HTMLDialogElement;
    // Escape must not dismiss it: there is nothing behind it to use yet.
    dlg.addEventListener("cancel", (ev) => ev.preventDefault());
    document.body.append(dlg);
    dlg.showModal();
    const done = async (): Promise<void> => {
      const s = await fetchSession();
      if (!s) throw new Error(t("login_failed"));
      dlg.close();
      dlg.remove();
      resolve(s);
    };
    const busy = (on: boolean) => {
      (submit as HTMLButtonElement).disabled = on;
      (pk as HTMLButtonElement).disabled = on;
    };
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      busy(true);
      err.textContent = "";
      postJSON("/api/v1/auth/login", { name: name.value.trim(), password: pw.value })
        .then(done)
        .catch((e) => {
          err.textContent = errText(e);
          pw.select();
        })
        .finally(() => busy(false));
    });
    pk.addEventListener("click", () => {
      busy(true);
      err.textContent = "";
      passkeySignIn()
        .then(done)
        .catch((e) => (err.textContent = errText(e)))
        .finally(() => busy(false));
    });
    name.focus();
  });
}

const ROLE_KEYS = {
  leader: "role_leader",
  official: "role_official",
  watch_officer: "role_watch_officer",
  observer: "role_observer",
  admin: "role_admin",
} as const;

/** renderUser shows the signed-in user, passkey enrolment and sign-out in #user. */
export function renderUser(note = ""): void {
  const box = byId("user");
  const s = current;
  if (!s) {
    replace(box);
    return;
  }
  const u = s.user;
  const msg = h("span", { id: "user-msg", class: "user-msg", role: "status" }, note);
  const kids: Node[] = [
    h("span", { id: "user-name", class: "user-name", "data-user": u.name, "data-role": u.role }, `${u.display || u.name} · ${t(ROLE_KEYS[u.role] ?? "role_observer")}`),
  ];
  if (webauthn()) {
    const add = h("button", { type: "button", id: "passkey-add", class: u.needs_passkey ? "attention" : null }, t(u.needs_passkey ? "passkey_needed" : "passkey_add")) as HTMLButtonElement;
    add.addEventListener("click", () => {
      add.disabled = true;
      addPasskey()
        .then(() => renderUser(t("passkey_added")))
        .catch((e) => (msg.textContent = errText(e)))
        .finally(() => (add.disabled = false));
    });
    kids.push(add);
  }
  const out = h("button", { type: "button", id: "sign-out" }, t("sign_out"));
  out.addEventListener("click", () => void signOut());
  kids.push(out, msg);
  replace(box, ...kids);
}
