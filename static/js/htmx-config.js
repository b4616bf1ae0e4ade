// htmx settings that let it run under our strict Content-Security-Policy.
// Loaded as a file (no inline scripts), right after htmx itself.
htmx.config.allowEval = false;
htmx.config.includeIndicatorStyles = false;
htmx.config.selfRequestsOnly = true;
// Swap 422 (validation error) and 409 (stale edit) responses: their bodies are
// the fragment showing the error or the latest values. Other errors don't swap.
htmx.config.responseHandling = [
  { code: "204", swap: false },
  { code: "[23]..", swap: true },
  { code: "409", swap: true, error: false },
  { code: "422", swap: true, error: false },
  { code: "[45]..", swap: false, error: true },
  { code: "...", swap: false },
];
