// Small enhancements on top of pages that work without JavaScript: the theme toggle,
// clean browse URLs, and the browse form at human pace
// (typed dates, one request per action, swaps that keep the control in use in place,
// Back/Forward/reload showing the address in every control).
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

  // --- The browse form at human pace -----------------------------------------------
  // One action of the reader, one request, one history entry; a swap never takes the
  // control being used away from under the reader; Back, Forward and reload show the
  // address's state in every control.

  function browseFormOf(element) {
    return element && element.closest ? element.closest("form.browse-form") : null;
  }

  function isResultsRequest(detail) {
    return Boolean(
      detail.target &&
        detail.target.id === "browse" &&
        String(detail.verb || "get").toLowerCase() === "get" &&
        browseFormOf(detail.elt)
    );
  }

  // A state is a path and its non-empty parameters, sorted: "?tag=b&tag=a" and
  // "?tag=a&tag=b" are one state. The facet boxes' text is not part of it.
  function stateOf(path, entries) {
    var kept = entries
      .filter(function (entry) {
        return entry[1] !== "" && FACET_SEARCHES.indexOf(entry[0]) < 0;
      })
      .map(function (entry) {
        return encodeURIComponent(entry[0]) + "=" + encodeURIComponent(entry[1]);
      })
      .sort();
    return path + "?" + kept.join("&");
  }

  function stateOfUrl(href) {
    var url = new URL(href, window.location.href);
    return stateOf(url.pathname, Array.from(url.searchParams.entries()));
  }

  function stateOfForm(form, path) {
    var entries = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") {
        entries.push([name, value]);
      }
    });
    return stateOf(new URL(path, window.location.href).pathname, entries);
  }

  // The state of the results shown, or being fetched.
  var shownState = stateOfUrl(window.location.href);

  // A request for the state already shown (the search box's debounce after Enter,
  // Enter on a search already run, a date applied twice) is not sent: it would add a
  // history entry and abort the request in flight. Checked before htmx's hx-sync.
  document.addEventListener("htmx:confirm", function (event) {
    var detail = event.detail;
    if (!isResultsRequest(detail)) {
      return;
    }
    var state =
      detail.elt.tagName === "A"
        ? stateOfUrl(detail.path)
        : stateOfForm(browseFormOf(detail.elt), detail.path);
    if (state === shownState) {
      event.preventDefault();
      return;
    }
    shownState = state;
  });

  function forgetShownState(event) {
    if (isResultsRequest(event.detail.requestConfig || event.detail)) {
      shownState = null;
    }
  }
  ["htmx:responseError", "htmx:sendError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, forgetShownState);
  });

  // Text boxes with their own hx-trigger (the search box, the tag and author boxes)
  // already sent what was typed; their `change` on leaving must not reach the form's
  // `change` trigger. A date being typed fires `change` at every valid partial value
  // (year 2, 20, 202): it is held until the reader leaves the field or presses Enter.
  var dateBeingTyped = null;
  var NOT_TYPING_KEYS = ["Tab", "Escape", "Shift", "Control", "Alt", "Meta"];

  function isDateField(element) {
    return element && element.tagName === "INPUT" && element.type === "date";
  }

  document.addEventListener(
    "keydown",
    function (event) {
      var field = event.target;
      if (!isDateField(field) || !browseFormOf(field)) {
        return;
      }
      if (event.key === "Enter") {
        // The form's implicit submission applies the date now.
        dateBeingTyped = null;
      } else if (NOT_TYPING_KEYS.indexOf(event.key) < 0) {
        dateBeingTyped = field;
      }
    },
    true
  );

  document.addEventListener(
    "change",
    function (event) {
      var control = event.target;
      if (!browseFormOf(control) || control.tagName === "FORM") {
        return;
      }
      var ownRequest = control.hasAttribute("hx-get");
      var typing = control === dateBeingTyped && document.activeElement === control;
      if (ownRequest || typing) {
        event.stopPropagation();
      }
    },
    true
  );

  // Leaving a typed date applies it, a moment later: if that moment's click changes
  // another filter, its request carries the date too and this one is not sent.
  var APPLY_DATE_AFTER = 200;

  document.addEventListener(
    "focusout",
    function (event) {
      var field = event.target;
      if (field !== dateBeingTyped) {
        return;
      }
      dateBeingTyped = null;
      window.setTimeout(function () {
        field.dispatchEvent(new Event("change", { bubbles: true }));
      }, APPLY_DATE_AFTER);
    },
    true
  );

  // Swaps keep the focused control: the very element (its caret, a date's part being
  // typed, an open select) stays in place of its new copy through htmx's hx-preserve,
  // marked on the new copy just before the swap; the copy's ARIA state is carried
  // over after it.
  var NOT_KEPT_TYPES = ["button", "submit", "reset", "image", "file", "hidden"];
  var KEPT_ID = "kept-during-swap";
  var STATE_ATTRIBUTES = ["aria-invalid", "aria-describedby", "disabled"];
  var keptCount = 0;

  function isKeepableControl(element) {
    if (!element || !element.name) {
      return false;
    }
    if (element.tagName === "SELECT" || element.tagName === "TEXTAREA") {
      return true;
    }
    return element.tagName === "INPUT" && NOT_KEPT_TYPES.indexOf(element.type) < 0;
  }

  function describe(control) {
    return {
      id: control.id,
      tagName: control.tagName,
      type: control.type,
      name: control.name,
      value: control.value,
    };
  }

  // The copy of a control in `root`: same id, else same name (and value for boxes).
  function counterpart(root, control) {
    if (control.id && control.id.indexOf(KEPT_ID) !== 0) {
      return root.querySelector("#" + CSS.escape(control.id));
    }
    var choice = control.type === "checkbox" || control.type === "radio";
    var named = root.querySelectorAll("[name='" + CSS.escape(control.name) + "']");
    for (var i = 0; i < named.length; i += 1) {
      var candidate = named[i];
      var sameKind = candidate.tagName === control.tagName;
      if (sameKind && (!choice || candidate.value === control.value)) {
        return candidate;
      }
    }
    return null;
  }

  function stateAttributes(element) {
    var state = {};
    STATE_ATTRIBUTES.forEach(function (name) {
      state[name] = element.getAttribute(name);
    });
    return state;
  }

  function carryOver(state, control) {
    STATE_ATTRIBUTES.forEach(function (name) {
      if (state[name] === null) {
        control.removeAttribute(name);
      } else {
        control.setAttribute(name, state[name]);
      }
    });
    // Not the value or checked attributes: on a date whose parts are half typed
    // (its value still empty), a new value attribute would clear them. Back and
    // Forward set kept controls from the address instead (showAddress).
  }

  function focusedControlIn(target) {
    var active = document.activeElement;
    return isKeepableControl(active) && target.contains(active) ? active : null;
  }

  // Marks `active`'s copy in `root` (the parsed answer) to be replaced by `active`.
  function keepFocusedControl(root, active) {
    var copy = counterpart(root, active);
    if (!copy) {
      return { replaced: describe(active) };
    }
    var hadId = Boolean(active.id);
    if (!hadId) {
      // htmx pairs kept elements by id; a history snapshot taken before the swap may
      // hold this one, so each swap uses a new id (cleaned up after restores too).
      keptCount += 1;
      active.id = copy.id = KEPT_ID + "-" + keptCount;
    }
    copy.setAttribute("hx-preserve", "true");
    return {
      element: active,
      hadId: hadId,
      state: stateAttributes(copy),
      start: active.selectionStart,
      end: active.selectionEnd,
    };
  }

  // A control used inside an opened "N more tags" stays visible: the server opens
  // that list only while it holds a selection, and unticking its last one would
  // otherwise fold the control away under the reader's finger.
  function keepOpen(root, control) {
    if (!control.closest("details[open]")) {
      return false;
    }
    var copy = counterpart(root, control);
    var details = copy && copy.closest("details");
    if (!details || details.open) {
      return false;
    }
    details.setAttribute("open", "");
    return true;
  }

  function afterKeeping(keep) {
    if (!keep) {
      return;
    }
    var focused = document.activeElement;
    if (!keep.element) {
      // The focused control had no copy to keep: focus its replacement, if any.
      var replacement = counterpart(document, keep.replaced);
      if (replacement && (!focused || focused === document.body)) {
        replacement.focus({ preventScroll: true });
      }
      return;
    }
    var control = keep.element;
    if (!keep.hadId) {
      control.removeAttribute("id");
    }
    carryOver(keep.state, control);
    // Without Element.moveBefore, htmx moves the kept control out of the page and
    // back, and focus is lost on the way.
    if (focused !== control && document.contains(control)) {
      control.focus({ preventScroll: true });
      if (keep.start !== null && control.setSelectionRange) {
        try {
          control.setSelectionRange(keep.start, keep.end);
        } catch (error) {
          // Not a text field after all.
        }
      }
    }
  }

  // The control that triggered a request stays where it was on screen: on a phone,
  // the filters sit below a long list of results that a swap shortens or lengthens,
  // and the wide layout's sidebar scrolls on its own.
  function anchorOf(detail) {
    var config = detail.requestConfig;
    var trigger = config && config.triggeringEvent && config.triggeringEvent.target;
    var control = isKeepableControl(trigger) ? trigger : document.activeElement;
    if (!isKeepableControl(control) || !detail.target.contains(control)) {
      return null;
    }
    return {
      element: control,
      control: describe(control),
      top: control.getBoundingClientRect().top,
    };
  }

  function scrollableAncestor(element) {
    for (var box = element.parentElement; box; box = box.parentElement) {
      var overflow = window.getComputedStyle(box).overflowY;
      var scrolls = overflow === "auto" || overflow === "scroll";
      if (scrolls && box.scrollHeight > box.clientHeight) {
        return box;
      }
    }
    return null;
  }

  function putBack(anchor) {
    var element = document.contains(anchor.element)
      ? anchor.element
      : counterpart(document, anchor.control);
    if (!element || element.getClientRects().length === 0) {
      return; // Gone, or folded away: nothing to keep in place.
    }
    var drift = element.getBoundingClientRect().top - anchor.top;
    var box = scrollableAncestor(element);
    while (box && Math.abs(drift) >= 1) {
      box.scrollTop += drift;
      drift = element.getBoundingClientRect().top - anchor.top;
      box = scrollableAncestor(box);
    }
    if (Math.abs(drift) >= 1) {
      window.scrollBy({ top: drift, left: 0, behavior: "instant" });
    }
  }

  var kept = null;
  var anchor = null;

  // Only for GET requests, whose answer shows the state the controls asked for; a
  // POST's answer (a saved note, a new list) may mean to reset the form it replaces.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var config = detail.requestConfig;
    kept = null;
    anchor = null;
    if (!detail.shouldSwap || !detail.target || !config || config.verb !== "get") {
      return;
    }
    anchor = anchorOf(detail);
    var active = focusedControlIn(detail.target);
    if ((!anchor && !active) || typeof detail.serverResponse !== "string") {
      return;
    }
    var template = document.createElement("template");
    template.innerHTML = detail.serverResponse;
    var changed = false;
    [anchor && anchor.element, active].forEach(function (control) {
      changed = (control && keepOpen(template.content, control)) || changed;
    });
    if (active) {
      kept = keepFocusedControl(template.content, active);
      changed = changed || Boolean(kept.element);
    }
    if (changed) {
      detail.serverResponse = template.innerHTML;
    }
  });

  document.addEventListener("htmx:afterSwap", function () {
    var keep = kept;
    var place = anchor;
    kept = null;
    anchor = null;
    afterKeeping(keep);
    if (place) {
      putBack(place);
    }
  });

  // Controls show the address. htmx restores Back and Forward from snapshots of the
  // page's HTML, whose attributes miss what was typed (the search box sits outside
  // the swapped region, so its snapshot keeps the first page's text) and what a kept
  // control changed; the back-forward cache brings back the page as it was left.
  // Every named control is set from the address, except the facet boxes (their text
  // is not in the address; their list was narrowed by it) and the control in use.
  function showAddress(form) {
    var url = new URL(window.location.href);
    if (new URL(form.action, url).pathname !== url.pathname) {
      return;
    }
    var params = url.searchParams;
    var radioGroups = {};
    Array.prototype.forEach.call(form.elements, function (control) {
      var name = control.name;
      if (control.type === "radio" && name) {
        (radioGroups[name] = radioGroups[name] || []).push(control);
        return;
      }
      if (
        !name ||
        control === document.activeElement ||
        FACET_SEARCHES.indexOf(name) >= 0 ||
        NOT_KEPT_TYPES.indexOf(control.type) >= 0
      ) {
        return;
      }
      var values = params.getAll(name).filter(notEmpty);
      if (control.type === "checkbox") {
        control.checked = values.indexOf(control.value) >= 0;
      } else if (control.tagName === "SELECT" && !control.multiple) {
        var wanted = values.length ? values[0] : "";
        var option = Array.prototype.find.call(control.options, function (candidate) {
          return candidate.value === wanted;
        });
        if (option) {
          option.selected = true;
        }
      } else if (control.value !== (values[0] || "")) {
        control.value = values[0] || "";
      }
    });
    // A radio group with no value in the address (or one it does not offer, which
    // the server reports) shows its empty, "either" choice. A group in use is left
    // alone: checking another of its radios would uncheck the reader's.
    Object.keys(radioGroups).forEach(function (name) {
      var values = params.getAll(name).filter(notEmpty);
      var group = radioGroups[name];
      if (group.indexOf(document.activeElement) >= 0) {
        return;
      }
      var chosen = group.filter(function (radio) {
        return values.indexOf(radio.value) >= 0;
      })[0];
      chosen =
        chosen ||
        group.filter(function (radio) {
          return radio.value === "";
        })[0];
      if (chosen) {
        chosen.checked = true;
      }
    });
  }

  // A page just loaded shows what the server rendered for its address: that undoes
  // the values the browser's form restoration puts back on reload (a date typed but
  // never applied, a box ticked while the answer was still on its way).
  function showServerState(form) {
    Array.prototype.forEach.call(form.elements, function (control) {
      if (
        !control.name ||
        control === document.activeElement ||
        NOT_KEPT_TYPES.indexOf(control.type) >= 0
      ) {
        return;
      }
      if (control.type === "checkbox" || control.type === "radio") {
        control.checked = control.defaultChecked;
      } else if (control.tagName === "SELECT") {
        Array.prototype.forEach.call(control.options, function (option) {
          option.selected = option.defaultSelected;
        });
      } else if (control.value !== control.defaultValue) {
        control.value = control.defaultValue;
      }
    });
  }

  function showAddressEverywhere() {
    document.querySelectorAll("[id^='" + KEPT_ID + "']").forEach(function (element) {
      element.removeAttribute("id");
    });
    document.querySelectorAll("form.browse-form").forEach(showAddress);
    shownState = stateOfUrl(window.location.href);
  }

  document.addEventListener("htmx:historyRestore", showAddressEverywhere);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      // The back-forward cache: the page as it was left, with the reader's edits.
      showAddressEverywhere();
    } else {
      document.querySelectorAll("form.browse-form").forEach(showServerState);
      shownState = stateOfUrl(window.location.href);
    }
  });

  // A link that swapped the results (a chip, "Clear all", a quick date range) set a
  // new address: the controls outside the results, such as the search box, follow
  // it. Not after the form's own requests: the controls were their source, and the
  // search box may already hold newer text waiting for its debounce.
  document.addEventListener("htmx:afterSettle", function (event) {
    var detail = event.detail;
    var config = detail.requestConfig;
    // The old #browse, now out of the page, is the event's target.
    if (
      detail.target &&
      detail.target.id === "browse" &&
      config &&
      config.elt &&
      config.elt.tagName === "A"
    ) {
      document.querySelectorAll("form.browse-form").forEach(showAddress);
    }
  });

  // A snapshot for Back keeps the facet boxes' text, so their narrowed lists match.
  document.addEventListener("htmx:beforeHistorySave", function () {
    FACET_SEARCHES.forEach(function (name) {
      var boxes = document.querySelectorAll("form.browse-form [name='" + name + "']");
      boxes.forEach(function (box) {
        box.defaultValue = box.value;
      });
    });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpThemeToggle);
  } else {
    setUpThemeToggle();
  }
})();
