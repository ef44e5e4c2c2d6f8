/* Accessible names for the filter inputs Flask-Admin builds in JavaScript (no <label> of their own). */
(function () {
  "use strict";
  function nameFilters(root) {
    var rows = (root || document).querySelectorAll("table.filters tr");
    rows.forEach(function (row) {
      var title = row.querySelector("td:first-child, .filter-title");
      var label = title ? title.textContent.trim() : "Bộ lọc";
      row.querySelectorAll("select.filter-op").forEach(function (el) {
        if (!el.getAttribute("aria-label")) { el.setAttribute("aria-label", label + " – điều kiện"); }
      });
      row.querySelectorAll(".filter-val").forEach(function (el) {
        if (!el.getAttribute("aria-label")) { el.setAttribute("aria-label", label + " – giá trị"); }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    nameFilters(document);
    var table = document.querySelector("table.filters");
    if (table && window.MutationObserver) {
      new MutationObserver(function () { nameFilters(document); }).observe(table, { childList: true, subtree: true });
    }
  });
})();
