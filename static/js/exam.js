// The exam page, progressive enhancement only: without this file the form's buttons save and submit.
// - Each answer is saved on the server as it is chosen (one POST per answer).
// - The countdown starts from the seconds the server sent (not this computer's clock); at zero the page
//   posts the time-up form, and the server, past the deadline, submits the exam and shows its result.
// Nothing here knows, or could know, which answer is right: the server scores.
(function () {
  "use strict";

  var form = document.getElementById("exam-form");
  var clock = document.getElementById("exam-clock");
  if (!form || !clock) {
    return;
  }
  var left = document.getElementById("exam-time-left");
  var warning = document.getElementById("exam-time-warning");
  var status = document.getElementById("exam-save-status");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var resultUrl = clock.dataset.resultUrl;
  var endsAt = Date.now() + parseInt(clock.dataset.remaining, 10) * 1000;
  var warned = {};

  var show = function (text) {
    if (status) { status.textContent = text; }
  };

  var pad = function (n) { return (n < 10 ? "0" : "") + n; };

  var tick = function () {
    var seconds = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var text = (hours ? hours + ":" + pad(minutes) : minutes) + ":" + pad(seconds % 60);
    left.textContent = (clock.dataset.textLeft || "Time left: {time}").replace("{time}", text);
    [10, 5, 1].forEach(function (mark) {
      if (seconds <= mark * 60 && seconds > (mark * 60 - 5) && !warned[mark] && warning) {
        warned[mark] = true;
        warning.textContent = (warning.dataset.textWarning || "{minutes} minutes left.").replace("{minutes}", mark);
      }
    });
    if (seconds <= 0) {
      left.textContent = clock.dataset.textUp;
      window.clearInterval(timer);
      // Give a save in flight a moment, then ask the server to hand the exam in (a POST: a GET never writes).
      window.setTimeout(function () {
        var timeUp = document.getElementById(clock.dataset.timeUpForm || "");
        if (timeUp) { timeUp.submit(); } else { window.location.assign(resultUrl); }
      }, 1500);
    }
  };
  var timer = window.setInterval(tick, 1000);
  tick();

  if (!window.fetch) {
    return;
  }
  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset[data-position]");
    if (!fieldset) {
      return;
    }
    var choices = [];
    fieldset.querySelectorAll("input:checked").forEach(function (input) {
      choices.push(parseInt(input.value, 10));
    });
    show(status.dataset.textSaving);
    fetch(form.dataset.autosaveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": csrfMeta ? csrfMeta.getAttribute("content") : "" },
      body: JSON.stringify({ position: parseInt(fieldset.dataset.position, 10), choices: choices })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (reply) {
      if (reply.ok) {
        show(status.dataset.textSaved);
        endsAt = Date.now() + reply.body.remaining_seconds * 1000;  // the server's clock wins
      } else if (reply.body.submitted) {
        window.location.assign(reply.body.result_url);
      } else {
        show(reply.body.message || status.dataset.textOffline);
      }
    }).catch(function () {
      show(status.dataset.textOffline);
    });
  });
})();
