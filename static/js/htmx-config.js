// htmx settings that let it run under our strict Content-Security-Policy.
// Loaded as a file (no inline scripts), right after htmx itself.
htmx.config.allowEval = false;
htmx.config.includeIndicatorStyles = false;
htmx.config.selfRequestsOnly = true;
