// The verification page: drop a certificate PDF anywhere on its box to check it at once.
// Without JavaScript the file field and the button do the same.
(function () {
  "use strict";
  var zone = document.querySelector("[data-dropzone]");
  if (!zone) { return; }
  var form = zone.closest("form");
  var input = zone.querySelector("input[type=file]");
  var hint = zone.querySelector("[data-dropzone-hint]");
  if (!form || !input || typeof DataTransfer === "undefined") { return; }
  if (hint) { hint.hidden = false; }

  function isFileDrag(event) {
    var types = event.dataTransfer && event.dataTransfer.types;
    return types && Array.prototype.indexOf.call(types, "Files") !== -1;
  }

  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      if (!isFileDrag(event)) { return; }
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      zone.classList.add("dragging");
    });
  });
  ["dragleave", "dragend"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
  });
  zone.addEventListener("drop", function (event) {
    if (!isFileDrag(event)) { return; }
    event.preventDefault();
    zone.classList.remove("dragging");
    var file = event.dataTransfer.files[0];
    if (!file) { return; }
    var transfer = new DataTransfer();
    transfer.items.add(file);
    input.files = transfer.files;
    if (hint) { hint.textContent = hint.getAttribute("data-checking") || file.name; }
    if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.submit(); }
  });
})();
