// The console's only script: live fragments, and the browser's time zone at sign-in.
"use strict";

// Each [data-live] element is fetched again every few seconds and replaced in place, unless
// the operator is typing in it. No full reload, no meta-refresh.
for (const live of document.querySelectorAll("[data-live]")) {
  const every = Number(live.dataset.every || 5) * 1000;
  setInterval(async () => {
    const active = document.activeElement;
    if (active && active !== document.body && live.contains(active) && active.tagName === "INPUT") {
      return;
    }
    try {
      const answer = await fetch(live.dataset.live, { credentials: "same-origin" });
      if (answer.ok && !answer.redirected) {
        live.innerHTML = await answer.text();
        live.dataset.refreshed = String(Date.now());
      }
    } catch (error) {
      live.dataset.offline = String(error);
    }
  }, every);
}

// Times are shown in the operator's own zone: the sign-in form sends it.
for (const zone of document.querySelectorAll("input[name=zone]")) {
  zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}
