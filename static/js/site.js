// Small enhancements on top of pages that work without JavaScript: the theme toggle,
// "/" to focus the search box, focus kept across htmx swaps, and clean browse URLs.
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

  // Clean URLs for the browse form: htmx sends (and hx-push-url then shows) every
  // field, so a shared link read "?q=&sort=&tag=Multimodal&has_code=&...". Empty
  // fields are the defaults and leave the request. The facet boxes' text (tag_q,
  // author_q) only narrows a facet's list: requests keep it while typed, so a swap
  // does not reset the list being read, but the address bar never shows it. The
  // server reads these URLs alike with or without any of these parameters.
  var FACET_SEARCHES = ["tag_q", "author_q"];

  function inBrowseForm(element) {
    return Boolean(element && element.closest && element.closest("form.browse-form"));
  }

  function notEmpty(value) {
    return value !== "";
  }

  // htmx 2 passes a FormData (detail.parameters is a proxy over it); htmx 1 passed
  // a plain object of strings and arrays.
  function dropEmptyParameters(parameters) {
    if (typeof parameters.getAll === "function") {
      var names = [];
      parameters.forEach(function (value, name) {
        if (names.indexOf(name) < 0) {
          names.push(name);
        }
      });
      names.forEach(function (name) {
        var values = parameters.getAll(name);
        var kept = values.filter(notEmpty);
        if (kept.length !== values.length) {
          parameters.delete(name);
          kept.forEach(function (value) {
            parameters.append(name, value);
          });
        }
      });
      return;
    }
    Object.keys(parameters).forEach(function (name) {
      var value = parameters[name];
      var kept = Array.isArray(value) ? value.filter(notEmpty) : value;
      if (kept === "" || kept.length === 0) {
        delete parameters[name];
      } else {
        parameters[name] = kept;
      }
    });
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail;
    if (String(detail.verb).toLowerCase() === "get" && inBrowseForm(detail.elt)) {
      dropEmptyParameters(detail.formData || detail.parameters);
    }
  });

  document.addEventListener("htmx:beforeHistoryUpdate", function (event) {
    var history = event.detail.history;
    var config = event.detail.requestConfig;
    if (!history || !history.path || !config || !inBrowseForm(config.elt)) {
      return;
    }
    var url = new URL(history.path, window.location.href);
    var before = url.search;
    FACET_SEARCHES.forEach(function (name) {
      url.searchParams.delete(name);
    });
    if (url.search !== before) {
      history.path = url.pathname + url.search + url.hash;
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpThemeToggle);
  } else {
    setUpThemeToggle();
  }
})();
