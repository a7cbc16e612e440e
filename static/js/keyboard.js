// Keyboard triage on result lists: j/k move between papers, o opens, b bookmarks,
// x marks "not interested", / goes to the search box, ? lists the keys.
// The keys press the same buttons and links a mouse would, so CSRF, htmx swaps and
// the no-JavaScript fallbacks stay the buttons' own. Keys are read on the document,
// so they keep working after htmx replaces the results.
(function () {
  "use strict";

  var CARD = ".paper-card";
  var CURRENT = "is-keyboard-current";
  var KEYS = [
    ["j", "Next paper"],
    ["k", "Previous paper"],
    ["o", "Open the paper"],
    ["b", "Bookmark or remove the bookmark"],
    ["x", "Not interested (or undo)"],
    ["/", "Search"],
    ["?", "Show these keys"],
  ];
  // The card last moved to, by id: after a swap the element is new, the id the same.
  var currentId = null;
  var dialog = null;

  function isTyping(element) {
    if (!element) {
      return false;
    }
    var tag = element.tagName;
    return (
      element.isContentEditable ||
      tag === "INPUT" ||
      tag === "TEXTAREA" ||
      tag === "SELECT"
    );
  }

  function cards() {
    return Array.prototype.slice.call(document.querySelectorAll("main " + CARD));
  }

  function currentCard() {
    var card = currentId && document.getElementById(currentId);
    return card && card.matches(CARD) ? card : null;
  }

  function moveTo(card) {
    var previous = document.querySelectorAll("." + CURRENT);
    Array.prototype.forEach.call(previous, function (element) {
      element.classList.remove(CURRENT);
    });
    currentId = card.id;
    card.classList.add(CURRENT);
    // Focusable by script only, so Tab order stays the links and buttons.
    card.setAttribute("tabindex", "-1");
    card.focus({ preventScroll: true });
    card.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var list = cards();
    if (!list.length) {
      return false;
    }
    var index = list.indexOf(currentCard());
    if (index === -1) {
      // Start from the first (j) or the last (k) paper.
      index = step > 0 ? 0 : list.length - 1;
    } else {
      index = Math.min(list.length - 1, Math.max(0, index + step));
    }
    moveTo(list[index]);
    return true;
  }

  function press(selector) {
    var card = currentCard();
    var control = card && card.querySelector(selector);
    if (!control) {
      return false;
    }
    control.click();
    return true;
  }

  function buildDialog() {
    var element = document.createElement("dialog");
    element.id = "keyboard-help";
    element.className = "keyboard-help";
    element.setAttribute("aria-labelledby", "keyboard-help-title");
    var title = document.createElement("h2");
    title.id = "keyboard-help-title";
    title.textContent = "Keyboard shortcuts";
    element.appendChild(title);
    var list = document.createElement("dl");
    KEYS.forEach(function (pair) {
      var term = document.createElement("dt");
      var key = document.createElement("kbd");
      key.textContent = pair[0];
      term.appendChild(key);
      var description = document.createElement("dd");
      description.textContent = pair[1];
      list.appendChild(term);
      list.appendChild(description);
    });
    element.appendChild(list);
    var note = document.createElement("p");
    note.textContent = "Keys do nothing while you type in a field. Escape closes this.";
    element.appendChild(note);
    var close = document.createElement("button");
    close.type = "button";
    close.className = "button";
    close.textContent = "Close";
    close.addEventListener("click", function () {
      element.close();
    });
    element.appendChild(close);
    document.body.appendChild(element);
    return element;
  }

  function showHelp() {
    if (!dialog) {
      dialog = buildDialog();
    }
    if (!dialog.open) {
      // Modal: focus moves into it, Escape closes it and focus returns.
      dialog.showModal();
    }
    return true;
  }

  function focusSearch() {
    var search =
      document.querySelector("main input[name=q]") ||
      document.querySelector("input[name=q]");
    if (!search) {
      return false;
    }
    search.focus();
    search.select();
    return true;
  }

  var actions = {
    j: function () {
      return move(1);
    },
    k: function () {
      return move(-1);
    },
    o: function () {
      return press(".paper-title a");
    },
    b: function () {
      return press(".bookmark-button");
    },
    x: function () {
      return press(".dismiss-button");
    },
    "/": focusSearch,
    "?": showHelp,
  };

  document.addEventListener("keydown", function (event) {
    var action = actions[event.key];
    if (
      !action ||
      event.ctrlKey ||
      event.metaKey ||
      event.altKey ||
      event.defaultPrevented ||
      isTyping(event.target) ||
      (dialog && dialog.open) ||
      document.querySelector("dialog[open]")
    ) {
      return;
    }
    if (action()) {
      event.preventDefault();
    }
  });
})();
