// Runs a passkey registration or sign-in at this server's origin. With ?link=… the page
// serves a one-time link that wk's command line made, and starts at once; without it,
// it uses the browser's own session and waits for the button.
"use strict";
(function () {
  const mode = location.pathname.endsWith("/register") ? "register" : "login";
  const link = new URLSearchParams(location.search).get("link") || "";
  // Keep the link out of the history and the address bar once it is read.
  history.replaceState(null, "", location.pathname);

  const title = document.getElementById("title");
  const statusEl = document.getElementById("status");
  const go = document.getElementById("go");
  const naming = document.getElementById("naming");
  const nameInput = document.getElementById("name");
  let busy = false;

  title.textContent = mode === "register" ? "Add a passkey" : "Sign in with a passkey";
  go.textContent = mode === "register" ? "Add passkey" : "Sign in";
  const done = link
    ? "Done. You can close this page and return to the terminal."
    : (mode === "register" ? "Your passkey is added." : "You are signed in.");

  function show(state, text) {
    statusEl.dataset.state = state;
    statusEl.textContent = text;
    go.hidden = state === "ok" || state === "working";
    if (state === "error") { go.textContent = "Try again"; }
  }

  async function post(path, payload) {
    const res = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(payload),
    });
    let data = {};
    try { data = await res.json(); } catch (e) { data = {}; }
    if (!res.ok) {
      const msgs = ((data && data.messages) || []).map((m) => m.error).filter(Boolean);
      throw new Error(msgs.join(" ") || ("the server answered " + res.status));
    }
    return data;
  }

  async function ceremony(options) {
    if (mode === "register") {
      const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options);
      return navigator.credentials.create({ publicKey });
    }
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options);
    return navigator.credentials.get({ publicKey });
  }

  async function run() {
    if (busy) { return; }
    busy = true;
    try {
      if (!window.PublicKeyCredential ||
          typeof PublicKeyCredential.parseCreationOptionsFromJSON !== "function") {
        throw new Error("this browser cannot run passkeys from JSON: use a current Chrome, Edge, Firefox or Safari");
      }
      show("working", "Asking the server for a challenge…");
      let options;
      if (link) {
        options = (await post("/api/auth/passkeyLinks/begin", { link: link })).options;
      } else if (mode === "register") {
        options = await post("/api/auth/webauthn/register/start", { name: nameInput.value });
      } else {
        options = await post("/api/auth/webauthn/auth/start", {});
      }
      show("working", "Follow your browser's prompt to use your passkey…");
      const credential = await ceremony(options);
      if (!credential) {
        throw new Error("the browser returned no passkey");
      }
      show("working", "Checking the answer…");
      const key = credential.toJSON();
      if (link) {
        await post("/api/auth/passkeyLinks/finish", { link: link, key: key });
      } else if (mode === "register") {
        await post("/api/auth/webauthn/register/finalize", { name: nameInput.value, key: key });
      } else {
        await post("/api/auth/webauthn/auth/finalize", { key: key });
      }
      show("ok", done);
    } catch (e) {
      show("error", "Failed: " + (e && e.message ? e.message : String(e)));
    } finally {
      busy = false;
    }
  }

  go.addEventListener("click", run);
  if (link) {
    run();
    return;
  }
  naming.hidden = mode !== "register";
  naming.addEventListener("submit", function (ev) { ev.preventDefault(); run(); });
  show("idle", mode === "register" ? "Name the passkey, then add it." : "Use a passkey of this account.");
})();
