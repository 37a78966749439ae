// Site-wide behaviour: modals opened by htmx into #modal close on Cancel or Escape.
(function () {
  "use strict";
  function closeModal() {
    const modal = document.getElementById("modal");
    if (!modal || !modal.innerHTML.trim()) return;
    modal.innerHTML = "";
    document.body.dispatchEvent(new CustomEvent("modal-closed"));
  }
  document.addEventListener("click", function (evt) {
    if (evt.target.closest("[data-close-modal]")) closeModal();
  });
  // Filter panels are open on wide screens and folded on phones.
  document.addEventListener("DOMContentLoaded", function () {
    if (window.matchMedia("(min-width: 761px)").matches) {
      document.querySelectorAll("details[data-open-wide]").forEach((d) => { d.open = true; });
    }
  });
  // Lists with an action bar: "select all" ticks the page's rows; applying asks first.
  document.addEventListener("change", function (evt) {
    if (!evt.target.matches("[data-check-all]")) return;
    const table = evt.target.closest("table");
    table.querySelectorAll("input[name=ids]").forEach((box) => { box.checked = evt.target.checked; });
  });
  document.addEventListener("submit", function (evt) {
    const form = evt.target;
    if (!form.matches("[data-confirm]")) return;
    const picked = document.querySelectorAll(`input[name=ids][form="${form.id}"]:checked`).length;
    if (!picked) { evt.preventDefault(); alert(form.dataset.empty); return; }
    if (!confirm(form.dataset.confirm.replace("%n", picked))) evt.preventDefault();
  });
  // The top bar's "More" menu closes when one clicks elsewhere.
  document.addEventListener("click", function (evt) {
    document.querySelectorAll("details[data-nav-menu][open]").forEach((menu) => {
      if (!menu.contains(evt.target)) menu.open = false;
    });
  });
  document.addEventListener("keydown", function (evt) {
    if (evt.key === "Escape") closeModal();
  });
})();
