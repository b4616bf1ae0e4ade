// htmx settings that let it run under our strict Content-Security-Policy.
// Loaded as a file (no inline scripts), right after htmx itself.
htmx.config.allowEval = false;
htmx.config.includeIndicatorStyles = false;
htmx.config.selfRequestsOnly = true;
// Our pages answer HX-Request with a fragment; a history restore needs the whole page.
htmx.config.historyRestoreAsHxRequest = false;

// htmx 2 does not swap 4xx responses by default. Forms and inline edits answer
// 422 (invalid value) and 409 (stale version) with the fragment to show — the
// error message or the latest values — so those two are swapped too.
htmx.config.responseHandling = [
  { code: "204", swap: false },
  { code: "[23]..", swap: true },
  { code: "409", swap: true, error: false },
  { code: "422", swap: true, error: false },
  { code: "[45]..", swap: false, error: true },
  { code: "...", swap: false },
];

// A 400 is swapped only when the server says its fragment explains the error
// (X-Swap-Error: true, e.g. a refused filter on the schedule list); any other
// 400 (a lost CSRF token, …) leaves the page as it was.
document.addEventListener("htmx:beforeSwap", (event) => {
  const xhr = event.detail.xhr;
  if (xhr.status === 400 && xhr.getResponseHeader("X-Swap-Error") === "true") {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// Filter forms send every field; an empty one means "any". Leave those out of the
// request (and so of the pushed URL): "?view=month&tutor=3", not "…&student=&course=".
// Only for forms marked data-drop-empty (the centre calendar's filters).
document.addEventListener("htmx:configRequest", (event) => {
  const form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form[data-drop-empty]");
  if (!form || event.detail.verb !== "get") return;
  const params = event.detail.parameters;
  for (const name of [...new Set(Object.keys(params))]) {
    if (params[name] === "") delete params[name];
  }
});
