// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  var toggle = document.querySelector(".nav-toggle");
  var nav = document.getElementById("site-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      nav.classList.toggle("open", !open);
    });
  }
  // Logging out on a shared computer: role-play drafts kept in this browser go too (roleplay.js writes them).
  document.addEventListener("submit", function (event) {
    if (!event.target.matches("form[data-clears-drafts]")) { return; }
    try {
      var store = window.localStorage;
      for (var i = store.length - 1; i >= 0; i--) {
        var key = store.key(i);
        if (key && key.indexOf("roleplay-draft-") === 0) { store.removeItem(key); }
      }
    } catch (error) { /* no storage in this browser: nothing kept */ }
  });
  // Prevent double submission: a second click on a submit button does nothing.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitted === "true") {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "true";
    window.setTimeout(function () { form.dataset.submitted = "false"; }, 4000);
  });
})();
