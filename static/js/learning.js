// Learning pages, progressive enhancement only: every page works without this file.
// - A lesson is recorded as read when its end scrolls into view (the button does the same).
// - The knowledge-check form says how many questions are answered so far.
// Nothing here knows, or could know, which answer is right: the server scores.
(function () {
  "use strict";

  var end = document.getElementById("lesson-end");
  if (end && end.dataset.read === "false" && "IntersectionObserver" in window && window.fetch) {
    var status = document.getElementById("read-status");
    var sent = false;
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting || sent) {
          return;
        }
        sent = true;
        observer.disconnect();
        fetch(end.action, {
          method: "POST",
          body: new FormData(end),
          credentials: "same-origin",
          headers: { "Accept": "application/json" }
        }).then(function (response) {
          if (response.ok) {
            end.dataset.read = "true";
            if (status) {
              status.textContent = end.dataset.readMessage || "You have read this lesson.";
            }
          } else {
            sent = false;
          }
        }).catch(function () {
          sent = false;
        });
      });
    }, { threshold: 1.0 });
    observer.observe(end.querySelector("button") || end);
  }

  var form = document.getElementById("quiz-form");
  var count = document.getElementById("quiz-count");
  if (form && count) {
    var fieldsets = form.querySelectorAll("fieldset.question");
    var update = function () {
      var answered = 0;
      fieldsets.forEach(function (fieldset) {
        if (fieldset.querySelector("input:checked")) {
          answered += 1;
        }
      });
      var template = count.dataset.template || "{answered} of {total} questions answered.";
      count.textContent = template.replace("{answered}", answered).replace("{total}", fieldsets.length);
    };
    form.addEventListener("change", update);
    update();
  }

  // Practice exercises: save the draft as it is typed (the "Save draft" button does the same without JS).
  var exerciseForm = document.querySelector("form[data-exercise-autosave]");
  if (exerciseForm && window.fetch) {
    var area = exerciseForm.querySelector("textarea");
    var saveStatus = document.getElementById("exercise-save-status");
    var csrfMeta = document.querySelector('meta[name="csrf-token"]');
    var timer = null;
    var save = function () {
      if (saveStatus) { saveStatus.textContent = exerciseForm.dataset.textSaving; }
      fetch(exerciseForm.dataset.autosaveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json",
                   "X-CSRFToken": csrfMeta ? csrfMeta.getAttribute("content") : "" },
        body: JSON.stringify({ answer: area.value })
      }).then(function (response) {
        if (!response.ok) { throw new Error("not saved"); }
        if (saveStatus) { saveStatus.textContent = exerciseForm.dataset.textSaved; }
      }).catch(function () {
        if (saveStatus) { saveStatus.textContent = exerciseForm.dataset.textOffline; }
      });
    };
    area.addEventListener("input", function () {
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(save, 1500);
    });
  }
})();
