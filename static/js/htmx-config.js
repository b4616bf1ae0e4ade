// htmx settings that let it run under our strict Content-Security-Policy.
// Loaded as a file (no inline scripts), right after htmx itself.
htmx.config.allowEval = false;
htmx.config.includeIndicatorStyles = false;
htmx.config.selfRequestsOnly = true;

// ---- Inline edits ----
// htmx 2 does not swap 4xx responses by default. The inline-edit endpoints
// answer 422 (invalid value) and 409 (stale version) with the card to show —
// the error message or the latest values — so those two are swapped too.
htmx.config.responseHandling = [
  { code: "204", swap: false },
  { code: "[23]..", swap: true },
  { code: "409", swap: true, error: false },
  { code: "422", swap: true, error: false },
  { code: "[45]..", swap: false, error: true },
  { code: "...", swap: false },
];
