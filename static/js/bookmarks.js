// "My bookmarks": the note and list editors sit in the cards, inside the filter form
// (forms cannot nest, so their fields belong to forms elsewhere). Their "change" events
// would still bubble to the filter form, whose htmx trigger would refresh the results
// and lose the edit: stop them before they get there.
document.addEventListener(
  "change",
  (event) => {
    if (event.target.closest(".bookmark-note, .bookmark-lists")) {
      event.stopPropagation();
    }
  },
  true,
);
