// htmx settings that let it run under our strict Content-Security-Policy.
// Loaded as a file (no inline scripts), right after htmx itself.
htmx.config.allowEval = false;
htmx.config.includeIndicatorStyles = false;
htmx.config.selfRequestsOnly = true;
// Our pages answer HX-Request with a fragment; a history restore needs the whole page.
htmx.config.historyRestoreAsHxRequest = false;
// Swap the fragment of a 400 (bad filter: it explains what to fix) like a 200.
htmx.config.responseHandling = [
  { code: "204", swap: false },
  { code: "[23]..", swap: true },
  { code: "400", swap: true, error: false },
  { code: "[45]..", swap: false, error: true },
];
