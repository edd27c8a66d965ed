// The board's poll: send back the last ETag so an unchanged board costs a 304, and warn when polls
// stop succeeding (a wall display nobody touches must not show an old picture as if it were live).
(function () {
  "use strict";
  const STALE_AFTER_MS = 20000;
  let lastSuccess = Date.now();

  function isPoll(element) {
    return element && element.hasAttribute && element.hasAttribute("data-board-poll");
  }

  document.addEventListener("htmx:configRequest", function (event) {
    const element = event.detail.elt;
    if (isPoll(element) && element.dataset.etag) event.detail.headers["If-None-Match"] = element.dataset.etag;
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    const element = event.detail.elt;
    if (!isPoll(element)) return;
    const xhr = event.detail.xhr;
    if (xhr && (xhr.status === 200 || xhr.status === 304)) {
      const tag = xhr.getResponseHeader("ETag");
      if (tag) element.dataset.etag = tag;
      lastSuccess = Date.now();
    }
  });

  function freshness() {
    const age = Date.now() - lastSuccess;
    document.body.classList.toggle("board-stale", age > STALE_AFTER_MS);
    const note = document.querySelector(".board-updated");
    if (note) note.textContent = age < 2000 ? "Updated just now" : "Updated " + Math.round(age / 1000) + " s ago";
    const clock = document.querySelector("[data-clock]");
    if (clock) clock.textContent = new Date().toTimeString().slice(0, 5);
  }

  document.addEventListener("DOMContentLoaded", function () {
    freshness();
    window.setInterval(freshness, 1000);
  });
})();

// Wall and public board: rows that do not fit the screen are shown a page at a time, turning by
// themselves, so nothing is ever below the screen's edge of a TV nobody scrolls. Pages are measured
// in the browser (rows wrap differently on each screen); the most urgent rows come first.
(function () {
  "use strict";
  const TURN_EVERY_MS = 12000;
  let current = 0;
  let pages = 1;

  function paginate() {
    const container = document.querySelector("[data-pages]");
    if (!container) return;
    const items = Array.from(container.querySelectorAll("[data-page-items] > *"));
    items.forEach(function (item) { item.classList.remove("off-page"); });
    let footer = 0;
    document.querySelectorAll("[data-pages-footer]").forEach(function (el) {
      footer += el.getBoundingClientRect().height + 24;
    });
    const first = items.length ? items[0].getBoundingClientRect().top + window.scrollY : 0;
    const room = Math.max(window.innerHeight - first - footer - 8, 100);
    let page = 0;
    let pageTop = first;
    const pageOf = items.map(function (item) {
      const box = item.getBoundingClientRect();
      const top = box.top + window.scrollY;
      if (top > pageTop && top + box.height - pageTop > room) {
        page += 1;
        pageTop = top;
      }
      return page;
    });
    pages = page + 1;
    if (current >= pages) current = 0;
    items.forEach(function (item, index) { item.classList.toggle("off-page", pageOf[index] !== current); });
    const indicator = document.querySelector("[data-page-indicator]");
    if (indicator) indicator.textContent = pages > 1 ? "Page " + (current + 1) + " of " + pages : "";
  }

  function turn() {
    current = pages > 1 ? (current + 1) % pages : 0;
    paginate();
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!document.querySelector("[data-pages]")) return;
    paginate();
    window.setInterval(turn, TURN_EVERY_MS);
    window.addEventListener("resize", paginate);
  });
  document.addEventListener("htmx:afterSettle", paginate);
})();

// An optional sound for a new red flag or a newly overdue round. Browsers allow sound only after a
// click, so a person arms it with one click; the button then says it is on. The tone is made with
// WebAudio (no file, nothing fetched).
(function () {
  "use strict";
  const SOUNDED = ".alert-red-flag, .alert-round-overdue";
  let audio = null;
  let armed = false;
  let seen = null;

  function alertsShown() {
    const keys = new Set();
    document.querySelectorAll("#board-rows " + SOUNDED).forEach(function (badge) {
      const row = badge.closest("tr");
      const link = row && row.querySelector("a[href]");
      keys.add((link ? link.getAttribute("href") : "") + "|" + badge.textContent.trim());
    });
    return keys;
  }

  function chime() {
    if (!audio || !armed) return;
    const start = audio.currentTime;
    [880, 660, 880].forEach(function (pitch, index) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = pitch;
      gain.gain.setValueAtTime(0.0001, start + index * 0.3);
      gain.gain.exponentialRampToValueAtTime(0.4, start + index * 0.3 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + index * 0.3 + 0.28);
      tone.connect(gain).connect(audio.destination);
      tone.start(start + index * 0.3);
      tone.stop(start + index * 0.3 + 0.3);
    });
    document.body.dataset.chimes = String(Number(document.body.dataset.chimes || 0) + 1);
  }

  function compare() {
    const now = alertsShown();
    if (seen !== null) {
      for (const key of now) {
        if (!seen.has(key)) {
          chime();
          break;
        }
      }
    }
    seen = now;
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-sound-toggle]");
    if (!button) return;
    armed = button.getAttribute("aria-pressed") !== "true";
    if (armed && !audio) {
      const Context = window.AudioContext || window.webkitAudioContext;
      if (Context) audio = new Context();
    }
    if (audio) armed ? audio.resume() : audio.suspend();
    button.setAttribute("aria-pressed", armed ? "true" : "false");
    button.textContent = armed
      ? "Sound on: a new red flag or overdue round sounds (click to turn off)"
      : "Sound off: click to sound a new red flag or overdue round";
    if (armed) chime();
  });

  document.addEventListener("DOMContentLoaded", compare);
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "board-rows") compare();
  });
})();
