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
