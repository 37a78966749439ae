// Kanban drag and drop: SortableJS moves the card, htmx tells the server.
// A refused move (missing facts, conflict) opens a modal; cancelling it puts the card back.
(function () {
  "use strict";
  let pending = null; // {card, from, index} of a move the server has not accepted yet

  function csrfHeaders() {
    const raw = document.body.getAttribute("hx-headers");
    return raw ? JSON.parse(raw) : {};
  }

  function filterValues() {
    const form = document.getElementById("board-filters");
    return form ? Object.fromEntries(new FormData(form)) : {};
  }

  function putBack() {
    if (!pending) return;
    const { card, from, index } = pending;
    const ref = from.children[index] || null;
    if (card.isConnected) from.insertBefore(card, ref);
    pending = null;
  }

  function onEnd(evt) {
    if (evt.from === evt.to) return;
    const card = evt.item;
    pending = { card, from: evt.from, index: evt.oldIndex };
    const values = Object.assign(filterValues(), {
      to_stage: evt.to.dataset.stage,
      version: card.dataset.version,
    });
    htmx.ajax("POST", card.dataset.moveUrl, {
      target: card, swap: "outerHTML", values, headers: csrfHeaders(),
    });
  }

  function init(root) {
    // Roles that may not change a deal's stage get a board to read, not to drag.
    if (document.querySelector("[data-board][data-readonly]")) return;
    root.querySelectorAll(".cards").forEach(function (list) {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      Sortable.create(list, {
        group: "deals", animation: 150, draggable: ".deal-card",
        filter: "a, button", preventOnFilter: false, onEnd,
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => init(document));
  document.body.addEventListener("htmx:afterSwap", function (evt) {
    if (evt.detail.target && evt.detail.target.id !== "modal") pending = null;
    init(document);
  });
  document.body.addEventListener("htmx:responseError", function () {
    putBack();
    alert(document.documentElement.lang.startsWith("zh") ? "操作失败，请刷新页面重试。" : "That failed. Please reload the page.");
  });
  document.body.addEventListener("modal-closed", putBack);
})();
