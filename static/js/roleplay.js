// Role-plays: autosave with a local backup, instant feedback per reply, and the live rubric decision.
// Every page works without this file: the per-turn forms post normally and the server decides the grade.
(function () {
  "use strict";

  var STORAGE_PREFIX = "roleplay-draft-";

  function storage() {
    try {
      var probe = "__roleplay__";
      window.localStorage.setItem(probe, probe);
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (error) {
      return null;
    }
  }

  // A submitted attempt: its local backup is no longer needed.
  var cleared = document.querySelector("[data-roleplay-clear]");
  if (cleared && storage()) {
    storage().removeItem(cleared.getAttribute("data-roleplay-clear"));
  }

  // ------------------------------------------------------------------------------------------------
  // Written attempt

  var root = document.querySelector("[data-roleplay-attempt]");
  if (root) {
    setUpAttempt(root);
  }

  function setUpAttempt(root) {
    var url = root.dataset.autosaveUrl;
    var key = root.dataset.storageKey;
    var serverUpdated = Date.parse(root.dataset.updatedAt) || 0;
    var store = storage();
    var meta = document.querySelector('meta[name="csrf-token"]');
    var csrf = meta ? meta.getAttribute("content") : "";
    var status = document.getElementById("save-status");
    var turnsList = document.getElementById("turns");
    var totals = document.getElementById("feedback-totals");
    var submitButton = document.getElementById("submit-attempt");
    var submitHint = document.getElementById("submit-hint");
    var submitForm = document.getElementById("submit-form");
    var timer = null;
    var inFlight = null;
    var pending = false;
    var discarded = false;

    function say(text) {
      if (status) { status.textContent = text; }
    }

    function textareas() {
      return Array.prototype.slice.call(turnsList.querySelectorAll("textarea[data-reply]"));
    }

    function collect() {
      var replies = [];
      textareas().forEach(function (area) {
        replies[Number(area.dataset.reply)] = area.value;
      });
      for (var i = 0; i < replies.length; i++) {
        if (typeof replies[i] !== "string") { replies[i] = ""; }
      }
      return replies;
    }

    function backup(replies) {
      if (!store || discarded) { return; }
      try {
        store.setItem(key, JSON.stringify({ replies: replies, savedAt: Date.now() }));
      } catch (error) { /* storage full: the server copy still counts */ }
    }

    function dropBackup() {
      if (store) { store.removeItem(key); }
    }

    function sameReplies(a, b) {
      var trim = function (list) {
        list = list.slice();
        while (list.length && !String(list[list.length - 1]).trim()) { list.pop(); }
        return list;
      };
      return JSON.stringify(trim(a)) === JSON.stringify(trim(b));
    }

    function applyResponse(data, replies) {
      // New turns the server revealed: append them; never overwrite what the trainee is typing.
      var present = turnsList.querySelectorAll("li.turn").length;
      for (var i = present; i < data.html.turns.length; i++) {
        var holder = document.createElement("div");
        holder.innerHTML = data.html.turns[i].trim();
        var item = holder.firstElementChild;
        var area = item.querySelector("textarea[data-reply]");
        if (area && typeof replies[i] === "string" && replies[i] && !area.value) { area.value = replies[i]; }
        turnsList.appendChild(item);
      }
      data.html.replies.forEach(function (html, index) {
        var box = turnsList.querySelector('[data-feedback="' + index + '"]');
        if (box) {
          box.innerHTML = html;
          var turn = box.closest("li.turn");
          var item = data.feedback.replies[index];
          if (turn) { turn.classList.toggle("has-red-flag", !!(item && item.red_flag)); }
        }
      });
      turnsList.querySelectorAll("[data-feedback]").forEach(function (box) {
        if (Number(box.dataset.feedback) >= data.html.replies.length) { box.innerHTML = ""; }
      });
      if (totals) { totals.innerHTML = data.html.totals; }
      if (submitButton) { submitButton.disabled = !data.complete; }
      if (submitHint) {
        submitHint.textContent = data.complete ? submitHint.dataset.textComplete : submitHint.dataset.textIncomplete;
      }
    }

    function save(override) {
      if (timer) { window.clearTimeout(timer); timer = null; }
      if (inFlight) { pending = true; return inFlight; }
      var replies = override || collect();
      backup(replies);
      say(root.dataset.textSaving);
      inFlight = fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ replies: replies })
      }).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || type.indexOf("application/json") === -1) {
          throw new Error("not saved");
        }
        return response.json().then(function (data) {
          if (!response.ok) { throw new Error(data.message || "not saved"); }
          return data;
        });
      }).then(function (data) {
        applyResponse(data, replies);
        if (sameReplies(collect(), replies)) { dropBackup(); }
        var time = new Date(data.updated_at);
        say(root.dataset.textSaved + " " + time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) + ".");
        return data;
      }).catch(function () {
        say(root.dataset.textOffline);
        return null;
      }).then(function (data) {
        inFlight = null;
        if (pending) { pending = false; return save(); }
        return data;
      });
      return inFlight;
    }

    function schedule() {
      backup(collect());
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(save, 1200);
    }

    turnsList.addEventListener("input", function (event) {
      if (event.target.matches("textarea[data-reply]")) { schedule(); }
    });

    // The per-turn forms: save through the autosave endpoint and reveal the next line in place.
    turnsList.addEventListener("submit", function (event) {
      var form = event.target.closest("form.reply-form");
      if (!form) { return; }
      event.preventDefault();
      var area = form.querySelector("textarea[data-reply]");
      if (!area.value.trim()) {
        say(root.dataset.textEmpty || "");
        area.focus();
        return;
      }
      var index = Number(form.dataset.turn);
      save().then(function (data) {
        if (!data) { return; }
        var next = document.getElementById("reply-" + (index + 1));
        if (next && !next.value) { next.focus(); }
      });
    });

    // Submitting: make sure the server has the latest replies first.
    if (submitForm) {
      submitForm.addEventListener("submit", function (event) {
        if (submitForm.dataset.saved === "true") { return; }
        event.preventDefault();
        save().then(function (data) {
          if (data && data.complete) {
            submitForm.dataset.saved = "true";
            submitForm.dataset.submitted = "false";
            dropBackup();
            submitForm.submit();
          }
        });
      });
    }

    // Deleting the draft: its copy in this browser goes with it, and nothing typed later brings it back.
    var discardForm = document.querySelector("form[data-roleplay-discard]");
    if (discardForm) {
      discardForm.addEventListener("submit", function () {
        discarded = true;
        if (timer) { window.clearTimeout(timer); timer = null; }
        dropBackup();
      });
    }

    window.addEventListener("online", function () { if (!discarded) { save(); } });

    // A closed tab or a lost connection: restore what the server never received, then save it.
    if (store) {
      var raw = store.getItem(key);
      var saved = null;
      try { saved = raw ? JSON.parse(raw) : null; } catch (error) { saved = null; }
      if (saved && Array.isArray(saved.replies) && saved.savedAt > serverUpdated && !sameReplies(saved.replies, collect())) {
        textareas().forEach(function (area) {
          var text = saved.replies[Number(area.dataset.reply)];
          if (typeof text === "string") { area.value = text; }
        });
        say(root.dataset.textRestored);
        save(saved.replies.map(function (text) { return typeof text === "string" ? text : ""; }));
      } else if (saved) {
        dropBackup();
      }
    }
    root.dataset.ready = "true";
  }
  // The pass/resubmit decision is computed by the server only (lms/roleplay/rubric.py), when the grade is saved.
})();
