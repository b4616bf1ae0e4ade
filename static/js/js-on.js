// Marks the page as running JavaScript before it is drawn (loaded without defer in
// <head>), so CSS can hide what only browsers without JavaScript need — the Save
// buttons of inline edits and "Apply filters" (`.js .save-button`, `.js .no-js-only`).
document.documentElement.classList.add("js");
