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
  document.addEventListener("keydown", function (evt) {
    if (evt.key === "Escape") closeModal();
  });
})();
