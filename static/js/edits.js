// Inline edits save on change (templates/sessions/_controls.html). The server answers
// 200, 422 and 409 with the re-rendered card, which htmx swaps in (htmx-config.js).
// Other refusals (403 no right, 404 gone, 400 expired form) are not swapped: this
// puts their message next to the control that was used, as the card would.
document.addEventListener("htmx:responseError", (event) => {
  const form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form.inline-edit");
  if (!form) return;
  const xhr = event.detail.xhr;
  let message = "That did not work. Please reload the page and try again.";
  if (xhr && xhr.responseText) {
    const doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
    const title = doc.querySelector(".error-page h1");
    const detail = doc.querySelector(".error-page p");
    const text = detail || title;
    if (text) message = text.textContent.trim();
  }
  let slot = form.querySelector(".edit-feedback");
  if (!slot) {
    slot = document.createElement("small");
    form.appendChild(slot);
  }
  slot.className = "edit-feedback invalid";
  slot.setAttribute("role", "alert");
  slot.textContent = message;
});

// When a save replaces the control that was used by something that cannot take the focus
// (an "Excuse S" button becomes the words "S excused", or the list reloads without the
// row), the focus would fall to the page itself and keyboard users lose their place.
// Put it on the nearest thing still there: a control of the same row or card, else the
// schedule list's count line.
(() => {
  let place = null; // {rowId, cardId} of the form whose save is in flight

  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form.inline-edit");
    if (!form) return;
    const row = form.closest("tr[id]");
    const card = form.closest(".session-card[id]");
    const control = [...form.classList].find((name) => name.startsWith("edit-"));
    place = {
      rowId: row ? row.id : null,
      cardId: card ? card.id : null,
      control: control || null,
      until: Date.now() + 5000,
    };
  });

  // A save may settle twice (its own answer, then the list reloading): watch for a few seconds.
  document.addEventListener("htmx:afterSettle", () => {
    if (!place || Date.now() > place.until) return;
    const active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) return;
    const holder =
      (place.rowId && document.getElementById(place.rowId)) ||
      (place.cardId && document.getElementById(place.cardId));
    const usable = (e) => !e.disabled && e.offsetParent !== null; // not a hidden Save button
    // The same control's form first (Excuse T after Excuse S), then anything in the row.
    const inForm = holder && place.control ? holder.querySelectorAll(`form.${place.control} select, form.${place.control} button`) : [];
    const target = holder
      ? [...inForm].find(usable) || [...holder.querySelectorAll("select, button")].find(usable)
      : document.getElementById("result-count");
    if (target) {
      if (!holder) target.setAttribute("tabindex", "-1");
      target.focus();
    }
  });
})();
