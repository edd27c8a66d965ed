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
    const form = event.target.closest && event.target.closest("form[data-unsaved-warning]");
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
  document.addEventListener("DOMContentLoaded", function () {
    readServerClock();
    tick();
    window.setInterval(tick, 1000);
  });
  document.addEventListener("htmx:afterSettle", function () {
    readServerClock();
    tick();
  });
})();
