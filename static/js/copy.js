// Copy buttons for citations: each names the element whose text it copies in
// data-copy-target. The buttons stay hidden without JavaScript (the text is there to
// select); htmx:load reveals those in swapped-in results too.
(function () {
  "use strict";

  function reveal(root) {
    var buttons = root.querySelectorAll
      ? root.querySelectorAll("button[data-copy-target]")
      : [];
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = !navigator.clipboard;
    }
  }

  function announce(button, message) {
    var box = button.closest(".citation");
    var status = box && box.querySelector(".copy-status");
    if (status) {
      status.textContent = message;
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy-target]");
    if (!button) {
      return;
    }
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) {
      return;
    }
    navigator.clipboard.writeText(source.textContent.trim()).then(
      function () {
        announce(button, "Copied.");
      },
      function () {
        announce(button, "Could not copy: select the text instead.");
      }
    );
  });

  document.addEventListener("DOMContentLoaded", function () {
    reveal(document);
  });
  document.addEventListener("htmx:load", function (event) {
    reveal(event.target);
  });
})();
