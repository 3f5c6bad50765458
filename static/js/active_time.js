// Active time on a self-paced activity (lesson, exercise, knowledge check, role-play).
// Counts only while the page is visible and the trainee typed, scrolled, pointed or pressed a key in
// the last minute; reports every 30 seconds and when the page is left. The server credits at most the
// wall time since the previous report and never more than twice the activity's declared minutes, so
// this count is a claim it checks, not a number it trusts. Without JavaScript nothing is recorded.
// Each report also carries the page's path, the trainee's place for "Continue where you left off": the page
// view itself, a GET, writes nothing.
(function () {
  "use strict";

  var root = document.querySelector("[data-active-time]");
  if (!root || !window.fetch) {
    return;
  }
  var IDLE_AFTER_MS = 60 * 1000;
  var REPORT_EVERY_MS = 30 * 1000;
  var TICK_MS = 1000;
  var csrf = root.dataset.csrf || "";
  var kind = root.dataset.kind;
  var activityId = parseInt(root.dataset.id, 10);
  var lastInput = Date.now(); // opening the page is an action
  var lastTick = Date.now();
  var unsentMs = 0;
  var inFlight = false;

  function markActive() {
    lastInput = Date.now();
  }

  function visible() {
    return document.visibilityState === "visible";
  }

  function tick() {
    var now = Date.now();
    // A throttled or suspended timer must not count the time it slept.
    var delta = Math.min(now - lastTick, 2 * TICK_MS);
    lastTick = now;
    if (visible() && now - lastInput <= IDLE_AFTER_MS) {
      unsentMs += delta;
    }
  }

  function report(leaving) {
    var seconds = Math.floor(unsentMs / 1000);
    if (inFlight && !leaving) {
      return;
    }
    unsentMs -= seconds * 1000;
    inFlight = true;
    fetch(root.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true, // still delivered when the page is closing
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ kind: kind, id: activityId, seconds: seconds, place: window.location.pathname })
    }).then(function (response) {
      if (!response.ok && response.status >= 500) {
        unsentMs += seconds * 1000; // try again with the next report
      }
    }).catch(function () {
      unsentMs += seconds * 1000;
    }).then(function () {
      inFlight = false;
    });
  }

  ["keydown", "pointerdown", "pointermove", "wheel", "scroll", "input", "touchstart", "focusin"].forEach(
    function (name) {
      window.addEventListener(name, markActive, { passive: true, capture: true });
    });
  document.addEventListener("visibilitychange", function () {
    if (visible()) {
      lastTick = Date.now();
      markActive();
    } else if (unsentMs >= 1000) {
      report(true);
    }
  });
  window.addEventListener("pagehide", function () {
    tick();
    if (unsentMs >= 1000) {
      report(true);
    }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { // back from the page cache: a new visit, with its own clock
      lastTick = Date.now();
      markActive();
      report(false);
    }
  });
  window.setInterval(tick, TICK_MS);
  window.setInterval(function () {
    if (unsentMs >= 1000) {
      report(false);
    }
  }, REPORT_EVERY_MS);
  report(false); // starts the server's clock for this visit
})();
