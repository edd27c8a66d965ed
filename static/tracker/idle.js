// The idle sign-out warning. The server signs a session out after TRACKER_IDLE_TIMEOUT without activity
// (tracker/middleware.py) and says, on every page and response, how many seconds are left. Two minutes
// before, this shows a countdown with "Stay signed in" (a POST that counts as activity). While a form on
// the page has unsaved input, the page keeps itself signed in and says so, so nothing typed is lost
// silently; nothing is ever kept in the browser's storage. At zero the page reloads, so the server's
// sign-out takes the patient's data off the screen.
(function () {
  "use strict";
  let box = null;
  let endsAt = null; // this workstation's clock: now + the seconds the server said are left
  let asking = false;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function setLeft(seconds) {
    if (seconds !== null && seconds !== "" && !isNaN(Number(seconds))) endsAt = Date.now() + Number(seconds) * 1000;
  }

  function stay() {
    if (asking) return;
    asking = true;
    fetch(box.dataset.stayUrl, { method: "POST", headers: { "X-CSRFToken": csrfToken() }, credentials: "same-origin" })
      .then(function (response) {
        asking = false;
        if (response.status === 204) {
          setLeft(response.headers.get("X-Idle-Seconds-Left"));
          tick();
        } else {
          window.location.reload();
        }
      })
      .catch(function () {
        asking = false;
      });
  }

  function show(held) {
    box.classList.add("shown");
    box.querySelector("[data-idle-countdown]").hidden = held;
    box.querySelector("[data-idle-held]").hidden = !held;
  }

  function tick() {
    if (!box || endsAt === null) return;
    const left = endsAt - Date.now();
    const unsaved = document.querySelector("form.unsaved");
    if (unsaved && left <= Number(box.dataset.warnSeconds) * 1000) {
      show(true);
      stay();
      return;
    }
    if (left > Number(box.dataset.warnSeconds) * 1000) {
      if (!unsaved) box.classList.remove("shown");
      return;
    }
    if (left <= 0) {
      endsAt = null;
      window.location.reload();
      return;
    }
    const seconds = Math.ceil(left / 1000);
    box.querySelector("[data-idle-clock]").textContent =
      Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    show(false);
  }

  document.addEventListener("click", function (event) {
    if (box && event.target.closest("[data-stay]")) stay();
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    const xhr = event.detail.xhr;
    if (xhr) setLeft(xhr.getResponseHeader("X-Idle-Seconds-Left"));
  });
  document.addEventListener("DOMContentLoaded", function () {
    box = document.querySelector("[data-idle-left]");
    if (!box) return;
    setLeft(box.dataset.idleLeft);
    window.setInterval(tick, 1000);
  });
})();
