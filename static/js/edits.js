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
