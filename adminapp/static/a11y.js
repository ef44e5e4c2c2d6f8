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

/* File inputs in Vietnamese: the browser's own button reads "Choose Files / No file chosen" in its UI
   language, so each file input gets a Vietnamese button and status; the input itself stays in the form
   (visually hidden, still labelled and focusable through the button). */
(function () {
  "use strict";
  function describe(input) {
    var n = input.files ? input.files.length : 0;
    if (!n) { return "Chưa chọn tệp"; }
    if (n === 1) { return input.files[0].name; }
    return "Đã chọn " + n + " tệp";
  }
  function enhance(input) {
    if (input.dataset.viFile) { return; }
    input.dataset.viFile = "1";
    var wrap = document.createElement("span");
    wrap.className = "vi-file d-inline-flex align-items-center";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-secondary btn-sm mr-2";
    button.textContent = input.multiple ? "Chọn tệp…" : "Chọn tệp…";
    var status = document.createElement("span");
    status.className = "small text-muted";
    status.textContent = describe(input);
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    wrap.appendChild(button);
    wrap.appendChild(status);
    input.classList.add("vi-file-input");
    button.addEventListener("click", function () { input.click(); });
    input.addEventListener("change", function () { status.textContent = describe(input); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll('input[type="file"]').forEach(enhance);
  });
})();

/* Select2 3.x (Flask-Admin's picker) draws the remove "×" of each chosen item as an empty link: give it a
   name ("Bỏ chọn <item>") whenever the picker redraws its choices. */
(function () {
  "use strict";
  function nameChoices(root) {
    (root || document).querySelectorAll(".select2-search-choice-close").forEach(function (el) {
      if (el.getAttribute("aria-label")) { return; }
      var item = el.parentNode ? el.parentNode.textContent.trim() : "";
      el.setAttribute("aria-label", item ? "Bỏ chọn " + item : "Bỏ chọn");
      el.setAttribute("title", el.getAttribute("aria-label"));
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    nameChoices(document);
    if (!window.MutationObserver) { return; }
    // Flask-Admin builds the pickers on jQuery's ready (after this handler) and redraws them on each choice
    var pending = false;
    new MutationObserver(function () {
      if (pending) { return; }
      pending = true;
      window.setTimeout(function () { pending = false; nameChoices(document); }, 0);
    }).observe(document.body, { childList: true, subtree: true });
  });
})();
