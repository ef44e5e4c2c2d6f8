/* Date fields (input[data-app-date], forms/fields.py): a Vietnamese calendar from the vendored flatpickr
   (static/vendor/flatpickr-4.6.13, locale "vn"), initialised here so the CSP needs no inline script.
   Typing dd/mm/yyyy still works. A typed text that is not a date ("12/31/2021", "31/02/2022") is never
   silently changed or erased: it stays in the box, marked invalid with the server's own message. */
(function () {
  "use strict";
  var MESSAGE = "Ngày không hợp lệ, nhập theo dạng ngày/tháng/năm, ví dụ 31/12/2021";
  var DMY = /^\s*(\d{1,2})[\/.\-](\d{1,2})[\/.\-](\d{4})\s*$/;
  var ISO = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$/;

  function strictDate(text) {
    if (text instanceof Date) { return text; }
    var m = DMY.exec(text || ""), d, mo, y;
    if (m) { d = +m[1]; mo = +m[2]; y = +m[3]; } else {
      m = ISO.exec(text || "");
      if (!m) { return undefined; }
      y = +m[1]; mo = +m[2]; d = +m[3];
    }
    var date = new Date(y, mo - 1, d);
    if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) { return undefined; }
    return date;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function enhance(el) {
    if (el.dataset.appDateReady || !window.flatpickr) { return; }
    el.dataset.appDateReady = "1";
    var typed = el.value;
    // flatpickr dispatches synthetic "input"/"change" events when it clears a text it cannot read
    el.addEventListener("input", function (e) { if (e.isTrusted) { typed = el.value; el.setCustomValidity(""); } });
    var fp = window.flatpickr(el, {
      locale: (window.flatpickr.l10ns && window.flatpickr.l10ns.vn) || "default",
      dateFormat: "d/m/Y",
      allowInput: true,
      disableMobile: true,
      parseDate: function (text) { return strictDate(text); },
      formatDate: function (date) { return pad(date.getDate()) + "/" + pad(date.getMonth() + 1) + "/" + date.getFullYear(); },
      onChange: function (dates) {
        if (!dates.length) { return; }
        typed = el.value; el.setCustomValidity(""); el.classList.remove("is-invalid");
      },
      onClose: function () { setTimeout(check, 0); }
    });
    function check() {
      if (el.value === "" && typed && typed.trim() !== "") {
        el.value = typed;  // flatpickr clears a text it cannot read: keep what was typed
      }
      var bad = el.value.trim() !== "" && strictDate(el.value) === undefined;
      el.setCustomValidity(bad ? MESSAGE : "");
      el.classList.toggle("is-invalid", bad);
      if (bad) { el.setAttribute("title", MESSAGE); } else { el.removeAttribute("title"); }
    }
    el.addEventListener("blur", function () { setTimeout(check, 0); });
    if (el.value && strictDate(el.value) === undefined) { check(); }
    return fp;
  }

  function scan(root) { (root || document).querySelectorAll("input[data-app-date]").forEach(enhance); }
  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  window.appDates = { scan: scan, parse: strictDate };
})();
