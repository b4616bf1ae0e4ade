// The session popover of the calendars (templates/calendar/_popover.html).
//
// A calendar block is a link with hx-get="/sessions/<id>/card" and
// hx-target="#popover-body": htmx loads the card into the dialog, and this file
// opens it as a modal. Esc (native for a modal <dialog>) or Close (a
// method="dialog" form) closes it; then the body is emptied and the focus goes
// back to the block that opened it — looked up by id, because a save inside
// the popover replaces the block out of band.
(() => {
  let openerId = null;

  document.addEventListener("htmx:afterSwap", (event) => {
    const body = event.detail.target;
    if (!body || body.id !== "popover-body") return;
    const dialog = body.closest("dialog");
    const opener = event.detail.requestConfig && event.detail.requestConfig.elt;
    openerId = opener && opener.id ? opener.id : null;
    if (!dialog.open) dialog.showModal();
    const first = body.querySelector("select, button:not([hidden]), a[href]");
    if (first) first.focus();
  });

  // "close" does not bubble: listen in the capture phase.
  document.addEventListener(
    "close",
    (event) => {
      const dialog = event.target;
      if (!(dialog instanceof HTMLDialogElement) || !dialog.matches(".session-popover")) return;
      dialog.querySelector("#popover-body").replaceChildren();
      const opener = openerId && document.getElementById(openerId);
      if (opener) opener.focus();
    },
    true,
  );

  // A click on the backdrop (outside the dialog's box) closes it too.
  document.addEventListener("click", (event) => {
    const dialog = event.target;
    if (dialog instanceof HTMLDialogElement && dialog.matches(".session-popover") && dialog.open) {
      const box = dialog.getBoundingClientRect();
      const inside =
        event.clientX >= box.left && event.clientX <= box.right &&
        event.clientY >= box.top && event.clientY <= box.bottom;
      if (!inside) dialog.close();
    }
  });
})();
