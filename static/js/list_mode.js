// The Cards / Compact switch (templates/papers/_list_mode_switch.html) works without
// this file. With htmx, the pages it keeps for Back and Forward would still show the
// old layout after a switch: forget them as the switch posts, so that going back asks
// the server, which renders the layout the reader chose.
(function () {
  "use strict";

  // htmx 2 keeps its history snapshots under this key of sessionStorage.
  var HISTORY_CACHE = "htmx-history-cache";

  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail.elt;
    if (!source.closest || !source.closest(".list-mode-switch")) {
      return;
    }
    try {
      sessionStorage.removeItem(HISTORY_CACHE);
    } catch (error) {
      // Storage refused (private mode): htmx has no snapshots to forget either.
    }
  });
})();
