// Loaded without defer in <head>: apply a remembered theme before the first paint.
// Without a stored choice, no attribute is set and the CSS follows the system.
(function () {
  "use strict";
  try {
    var theme = localStorage.getItem("theme");
    if (theme === "light" || theme === "dark") {
      document.documentElement.setAttribute("data-theme", theme);
    }
  } catch (error) {
    // Storage can be unavailable (privacy settings): the system theme still applies.
  }
})();
