// Stage timers and countdowns. The server decides elapsed, overdue and "may close"; this only ticks the
// display between page loads, from the server's timestamps corrected by the server/workstation clock
// offset, so a workstation whose clock is wrong still shows the right times.
(function () {
  "use strict";
  let offsetMs = 0; // server clock minus this workstation's clock

  function readServerClock() {
    const marker = document.querySelector("[data-server-now]");
    if (marker) offsetMs = Date.parse(marker.dataset.serverNow) - Date.now();
  }

  function duration(ms, roundUp) {
    const seconds = Math.max(ms, 0) / 1000;
    const minutes = roundUp ? Math.ceil(seconds / 60) : Math.floor(seconds / 60);
    const h = Math.floor(minutes / 60), m = minutes % 60;
    if (h && m) return h + " h " + m + " min";
    return h ? h + " h" : m + " min";
  }

  // The server sends the moments a timer's state changes and the words for each state; this only compares
  // those moments with the corrected clock. It decides nothing the server would not (a lead's override
  // makes the server send "ready" at once, so the label stays ready).
  function stateAt(timer, now) {
    const data = timer.dataset;
    if (data.readyAt && now >= Date.parse(data.readyAt)) return "ready";
    if (now > Date.parse(data.overAt)) return "over";
    if (now >= Date.parse(data.nearAt)) return "near";
    return "on-track";
  }

  const LABEL_KEYS = { "on-track": "labelOnTrack", near: "labelNear", over: "labelOver", ready: "labelReady" };

  function tick() {
    const now = Date.now() + offsetMs;
    document.querySelectorAll("[data-timer-start]").forEach(function (timer) {
      const state = stateAt(timer, now);
      const clock = timer.querySelector("[data-elapsed]");
      clock.className = "timer timer-" + state;
      clock.textContent = duration(now - Date.parse(timer.dataset.timerStart), false) + " of " + clock.dataset.target;
      const label = timer.querySelector("[data-state-label]");
      if (label) label.textContent = timer.dataset[LABEL_KEYS[state]] || "";
    });
    document.querySelectorAll("[data-countdown-to]").forEach(function (el) {
      const left = Date.parse(el.dataset.countdownTo) - now;
      el.textContent = left > 0 ? duration(left, true) + " left" : el.dataset.doneText || "time reached";
    });
    // Only a convenience: the server refuses an early completion whatever the button says.
    document.querySelectorAll("[data-enable-at]").forEach(function (button) {
      if (now >= Date.parse(button.dataset.enableAt)) button.disabled = false;
    });
  }

  // A checklist is saved only by its buttons, so nothing typed is lost to a page update; until then it
  // says so, and leaving the page asks first.
  function markUnsaved(event) {
    const form = event.target.closest && event.target.closest("form[data-unsaved-warning], #journey-body form");
    if (form) form.classList.add("unsaved");
  }
  document.addEventListener("input", markUnsaved);
  document.addEventListener("change", markUnsaved);
  window.addEventListener("beforeunload", function (event) {
    if (document.querySelector("form.unsaved")) event.preventDefault();
  });
  document.addEventListener("submit", function (event) {
    event.target.classList.remove("unsaved");
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    const form = event.target.closest && event.target.closest("form");
    if (form) form.classList.remove("unsaved");
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });

  // Journey page (issue 10a). Feedback where the nurse looks: the server marks the refusal or confirmation
  // just rendered (or the new stage's heading) with data-focus; it is brought into view and focused.
  function focusFeedback() {
    const target = document.querySelector("[data-focus]");
    if (!target) return;
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "center" });
  }

  // A "still needed" link jumps to the item's input (or the section), opening a closed <details> on the way.
  function jumpTo(link, event) {
    const target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    event.preventDefault();
    const details = target.closest("details");
    if (details) details.open = true;
    const field = target.matches("input, select, textarea") ? target : target.querySelector("input:not([type=hidden]), select, textarea");
    if (field) field.focus({ preventScroll: true });
    else { target.setAttribute("tabindex", "-1"); target.focus({ preventScroll: true }); }
    (field || target).scrollIntoView({ block: "center" });
  }
  document.addEventListener("click", function (event) {
    const link = event.target.closest("a[data-jump], a[href^='#item-'], a[href^='#checklist-']");
    if (link) jumpTo(link, event);
  });

  // The sticky Save/Complete bar never hides the focused field (WCAG 2.4.11): scroll it clear. CSS
  // scroll-padding does the same where the browser honours it for focus.
  document.addEventListener("focusin", function (event) {
    const bar = document.querySelector(".sticky-actions");
    const field = event.target;
    // Keyboard focus only: scrolling under a mouse press would move the target before the click lands.
    if (!bar || bar.contains(field) || !field.getBoundingClientRect || !field.matches(":focus-visible")) return;
    const barBox = bar.getBoundingClientRect();
    const rect = field.getBoundingClientRect();
    const underBar = rect.bottom > barBox.top - 8 && rect.top < barBox.bottom;
    if (underBar) window.scrollBy({ top: rect.bottom - barBox.top + 24, behavior: "instant" });
  });

  // Saving one form swaps the page body: what was typed into the others (not yet saved) is put back, so
  // no form undoes another. Kept in memory only, never in the browser's storage. The journey version is
  // not put back (the swapped page is the latest); a checklist's per-answer markers are, so a clash with
  // someone else's change to the same item is still refused.
  let typed = [];
  function snapshot(event) {
    if (!event.detail.target || event.detail.target.id !== "journey-body") return;
    const sent = event.detail.requestConfig && event.detail.requestConfig.elt;
    const from = sent && sent.closest ? sent.closest("form") : null;
    typed = [];
    document.querySelectorAll("#journey-body form.unsaved").forEach(function (form) {
      if (form === from) return;
      const fields = [];
      form.querySelectorAll("input, textarea, select").forEach(function (el) {
        if (!el.name || el.name === "csrfmiddlewaretoken" || el.name === "version") return;
        fields.push({ name: el.name, type: el.type, value: el.value, checked: el.checked });
      });
      typed.push({ action: form.getAttribute("action"), fields: fields });
    });
  }
  function restore() {
    typed.forEach(function (saved) {
      const form = document.querySelector("#journey-body form[action='" + saved.action + "']");
      if (!form) return;
      saved.fields.forEach(function (f) {
        const matches = Array.prototype.filter.call(form.elements, function (el) { return el.name === f.name; });
        matches.forEach(function (el) {
          if (el.type === "radio" || el.type === "checkbox") {
            if (el.type === "checkbox" || el.value === f.value) el.checked = f.checked;
          } else if (el.type === f.type) {
            el.value = f.value;
          }
        });
      });
      form.classList.add("unsaved");
      const details = form.closest("details");
      if (details) details.open = true;
    });
    typed = [];
  }
  document.addEventListener("htmx:beforeSwap", snapshot);
  document.addEventListener("DOMContentLoaded", function () {
    readServerClock();
    tick();
    window.setInterval(tick, 1000);
    focusFeedback();
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    readServerClock();
    tick();
    if (event.detail.target && event.detail.target.id === "journey-body") {
      restore();
      focusFeedback();
    }
  });
})();
