// Posts the new password to /api/auth/resetPassword with the token from the link.
"use strict";
(function () {
  const token = new URLSearchParams(location.search).get("token") || "";
  // Keep the token out of the history and the address bar once it is read.
  history.replaceState(null, "", location.pathname);
  const form = document.getElementById("reset");
  const status = document.getElementById("status");
  if (!token) {
    status.textContent = "This link has no reset token. Ask for a new reset mail.";
    form.hidden = true;
    return;
  }
  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const p1 = form.password1.value, p2 = form.password2.value;
    if (p1 !== p2) {
      status.textContent = "The two passwords do not match.";
      return;
    }
    form.querySelector("button").disabled = true;
    status.textContent = "Saving…";
    try {
      const res = await fetch("/api/auth/resetPassword", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ token: token, password: { password1: p1, password2: p2 } }),
      });
      if (res.ok) {
        form.hidden = true;
        status.textContent = "Your password is set. Every session was logged out; log in with the new password.";
        return;
      }
      const body = await res.json().catch(() => ({}));
      const msgs = (body.messages || []).map((m) => m.error).filter(Boolean);
      status.textContent = msgs.join(" ") || "The password could not be set (" + res.status + ").";
    } catch (e) {
      status.textContent = "The server could not be reached. Try again.";
    }
    form.querySelector("button").disabled = false;
  });
})();
