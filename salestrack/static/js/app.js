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
  document.addEventListener("keydown", function (evt) {
    if (evt.key === "Escape") closeModal();
  });
})();
