// The header's drop-down menus ("Menu" on a phone, the account menu) are Pico
// <details class="dropdown"> elements: they open and close on a click of their
// summary with no script at all. This adds what people expect of a menu: Esc
// closes it and puts the focus back on its summary, and a click elsewhere on
// the page closes it.
(() => {
  const openMenus = () => document.querySelectorAll("body > header details[open]");

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const menu of openMenus()) {
      const hadFocus = menu.contains(document.activeElement);
      menu.open = false;
      if (hadFocus) menu.querySelector("summary").focus();
    }
  });

  document.addEventListener("click", (event) => {
    for (const menu of openMenus()) {
      if (!menu.contains(event.target)) menu.open = false;
    }
  });
})();
