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

// One save at a time per session. A change made while the previous save of the same
// session is on the wire would carry the version (updated_at) that save is replacing, and
// the server would refuse it with a 409 ("changed by someone else"). htmx's hx-sync
// cannot queue it here: the waiting request belongs to a form the first answer replaces
// (the card is swapped whole, a list row out of band), and htmx drops requests of
// elements no longer in the page — the change would be lost. So a change made meanwhile
// waits here, and once the answer has landed it is posted from the new form (its fresh
// version, CSRF token and return path) with the values the user chose. After a refused
// save (409, 422, …) the waiting changes are dropped: the card now says why, and shows
// the values to decide on again.
(() => {
  const KEEP_FROM_NEW_FORM = new Set(["csrf_token", "version", "next", "oob"]);
  const busy = new Set(); // ids of sessions with a save on the wire
  const waiting = new Map(); // session id -> [{holderId, control, values}], oldest first
  let letThrough = null; // the form of the waiting change being posted now
  let sent = false;

  // The inline-edit form of `elt`, the card or row holding it and its session.
  const editOf = (elt) => {
    const form = elt && elt.closest && elt.closest("form.inline-edit");
    const holder = form && form.closest("[data-session-id][id]");
    if (!holder) return null;
    const control = [...form.classList].find((name) => name.startsWith("edit-"));
    return control ? { form, holder, control, session: holder.dataset.sessionId } : null;
  };

  // htmx:confirm comes before htmx looks at hx-sync or a request already in flight.
  document.addEventListener("htmx:confirm", (event) => {
    const edit = editOf(event.detail.elt);
    if (!edit || !busy.has(edit.session)) return;
    if (edit.form === letThrough) {
      letThrough = null;
      return;
    }
    event.preventDefault();
    const data = new FormData(edit.form);
    const trigger = event.detail.triggeringEvent;
    const button = trigger && trigger.submitter;
    if (button && button.name) data.set(button.name, button.value);
    const values = {};
    for (const [name, value] of data) {
      if (!KEEP_FROM_NEW_FORM.has(name)) values[name] = value;
    }
    // A later change of the same control replaces the one still waiting.
    const queue = (waiting.get(edit.session) || []).filter((w) => w.control !== edit.control);
    queue.push({ holderId: edit.holder.id, control: edit.control, values });
    waiting.set(edit.session, queue);
  });

  document.addEventListener("htmx:beforeSend", (event) => {
    const edit = editOf(event.detail.elt);
    if (!edit) return;
    busy.add(edit.session);
    sent = true;
    const xhr = event.detail.xhr;
    // loadend comes after htmx has swapped the answer in (it swaps on load), and also
    // after an error, abort or timeout, so a session is never left busy.
    xhr.addEventListener("loadend", () => {
      const ok = xhr.status >= 200 && xhr.status < 300;
      setTimeout(() => postNext(edit.session, ok));
    });
  });

  function postNext(session, lastSaved) {
    const queue = waiting.get(session) || [];
    if (!lastSaved) queue.length = 0;
    while (queue.length) {
      const { holderId, control, values } = queue.shift();
      const holder = document.getElementById(holderId);
      const form = holder && holder.querySelector(`form.${control}`);
      if (!form) continue; // the control is gone (e.g. the session was cancelled)
      for (const [name, value] of Object.entries(values)) {
        const field = form.elements.namedItem(name);
        if (field instanceof HTMLSelectElement) field.value = value; // show the choice
      }
      letThrough = form;
      sent = false;
      htmx.ajax("POST", form.getAttribute("hx-post"), { source: form, values });
      letThrough = null;
      if (sent) return; // still busy: its loadend posts the next one
    }
    waiting.delete(session);
    busy.delete(session);
  }
})();
