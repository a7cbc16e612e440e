// Small enhancements on top of pages that work without JavaScript:
// the theme toggle, "/" to focus the search box, and focus kept across htmx swaps.
(function () {
  "use strict";

  var root = document.documentElement;
  var systemDark = window.matchMedia("(prefers-color-scheme: dark)");

  // Theme: follows the system until the reader picks one; the pick is remembered.
  function currentTheme() {
    var chosen = root.getAttribute("data-theme");
    if (chosen === "light" || chosen === "dark") {
      return chosen;
    }
    return systemDark.matches ? "dark" : "light";
  }

  function showTheme(button) {
    button.setAttribute("aria-pressed", String(currentTheme() === "dark"));
  }

  function setUpThemeToggle() {
    var button = document.getElementById("theme-toggle");
    if (!button) {
      return;
    }
    button.hidden = false;
    showTheme(button);
    button.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try {
        localStorage.setItem("theme", next);
      } catch (error) {
        // Not remembered, but still applied for this page.
      }
      showTheme(button);
    });
    systemDark.addEventListener("change", function () {
      showTheme(button);
    });
  }

  // "/" focuses the search box, unless the reader is typing somewhere.
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

  document.addEventListener("keydown", function (event) {
    if (
      event.key !== "/" ||
      event.ctrlKey ||
      event.metaKey ||
      event.altKey ||
      event.defaultPrevented ||
      isTyping(event.target)
    ) {
      return;
    }
    var search =
      document.querySelector("main input[name=q]") ||
      document.querySelector("input[name=q]");
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  });

  // htmx keeps focus on a swapped element that has an id. Facet checkboxes often have
  // none, so remember the focused control by name and value and focus its replacement.
  var lastFocus = null;

  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    var target = event.detail.target;
    lastFocus = null;
    if (active && target && target.contains(active) && active.name) {
      lastFocus = { name: active.name, value: active.value };
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    var focus = lastFocus;
    lastFocus = null;
    if (!focus || (document.activeElement && document.activeElement !== document.body)) {
      return;
    }
    var candidates = document.getElementsByName(focus.name);
    for (var i = 0; i < candidates.length; i += 1) {
      if (candidates[i].value === focus.value || candidates.length === 1) {
        candidates[i].focus({ preventScroll: true });
        return;
      }
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpThemeToggle);
  } else {
    setUpThemeToggle();
  }
})();
