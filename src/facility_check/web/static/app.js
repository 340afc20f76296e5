// The workbench's few behaviours: add/remove rows, jump to a field from the self-check, print.
// No inline scripts anywhere (the CSP allows only this file and htmx).
(function () {
  "use strict";

  function addRow(button) {
    var fieldset = button.closest("fieldset");
    var template = fieldset.querySelector(":scope > template");
    var tbody = fieldset.querySelector(":scope > .scroll > table.rows > tbody");
    var placeholder = fieldset.querySelector(":scope > .scroll > table.rows").dataset.placeholder;
    var next = parseInt(button.dataset.next || "0", 10);
    var html = template.innerHTML.split(placeholder).join(String(next));
    tbody.insertAdjacentHTML("beforeend", html);
    button.dataset.next = String(next + 1);
    var first = tbody.lastElementChild && tbody.lastElementChild.querySelector("input, select, textarea");
    if (first) { first.focus(); }
    document.body.dispatchEvent(new Event("rows-changed"));
  }

  function goToField(id) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var node = el;
    while (node) {
      if (node.tagName === "DETAILS") { node.open = true; }
      node = node.parentElement;
    }
    el.scrollIntoView({ block: "center" });
    var focusable = el.matches("input, select, textarea") ? el : el.querySelector("input, select, textarea");
    if (focusable) { focusable.focus({ preventScroll: true }); }
    el.classList.add("flash");
    window.setTimeout(function () { el.classList.remove("flash"); }, 1600);
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    var add = target.closest("button.add-row");
    if (add) { addRow(add); return; }
    var remove = target.closest("button.remove-row");
    if (remove) {
      remove.closest("tr").remove();
      document.body.dispatchEvent(new Event("rows-changed"));
      return;
    }
    var link = target.closest("a.fieldlink");
    if (link) {
      event.preventDefault();
      goToField(link.dataset.field);
      history.replaceState(null, "", "#" + link.dataset.field);
      return;
    }
    if (target.closest("button.print")) { window.print(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (location.hash.length > 1) { goToField(decodeURIComponent(location.hash.slice(1))); }
  });
})();
