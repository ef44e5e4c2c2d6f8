/* Public initiative form: live character counter, diacritic-insensitive unit search, dependent sub-unit picker.
   Local file, no external hosts. The server checks everything again. */
(function () {
  "use strict";
  document.documentElement.classList.add("has-js");
  document.body.classList.add("has-js");

  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase().replace(/\s+/g, " ").trim();
  }

  // Character counter that stops at the limit and says so. It counts letters as the user sees them (NFC
  // code points, as the server does): the browser's maxlength counted decomposed Vietnamese ("Unicode tổ
  // hợp") two or three times per letter, so it is removed here.
  var area = document.querySelector("textarea[data-limit]");
  var counter = document.getElementById("description-counter");
  if (area && counter) {
    var limit = parseInt(area.getAttribute("data-limit"), 10);
    area.removeAttribute("maxlength");
    var update = function () {
      var value = area.value.replace(/\r\n/g, "\n");
      var letters = Array.from(value.normalize ? value.normalize("NFC") : value);
      if (letters.length > limit) { letters = letters.slice(0, limit); area.value = letters.join(""); }
      var count = letters.length;
      counter.textContent = "Đã nhập " + count + "/" + limit + " ký tự" +
        (count >= limit ? " – đã đạt giới hạn" : " (còn " + (limit - count) + ")");
      counter.classList.toggle("counter-full", count >= limit);
      counter.classList.toggle("text-muted", count < limit);
    };
    area.addEventListener("input", update);
    update();
  }

  var level1 = document.getElementById("level1_unit_id");
  var level1Search = document.getElementById("level1-search");
  var sub = document.getElementById("unit_id");
  var subSearch = document.getElementById("unit-search");
  if (!level1 || !sub) { return; }
  var url = level1.getAttribute("data-units-url");

  if (level1Search) {
    level1Search.addEventListener("input", function () {
      var term = fold(level1Search.value);
      var first = null;
      Array.prototype.forEach.call(level1.options, function (opt) {
        if (!opt.value) { return; }
        var match = !term || fold(opt.getAttribute("data-fold") + " " + opt.textContent).indexOf(term) !== -1;
        opt.hidden = !match;
        if (match && !first) { first = opt; }
      });
      var current = level1.selectedOptions[0];
      if (term && first && (!current || !current.value || current.hidden)) {
        level1.value = first.value;
        loadSubUnits();
      }
    });
  }

  var timer = null;
  function loadSubUnits() {
    var parent = level1.value;
    var keep = sub.value;
    var placeholder = sub.options.length ? sub.options[0].textContent : "";
    if (!parent) { sub.length = 1; return; }
    var q = subSearch ? subSearch.value : "";
    fetch(url + "?parent=" + encodeURIComponent(parent) + "&q=" + encodeURIComponent(q), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (units) {
        sub.length = 0;
        sub.appendChild(new Option(placeholder, ""));
        units.forEach(function (u) {
          var opt = new Option(u.name, String(u.id));
          if (String(u.id) === keep) { opt.selected = true; }
          sub.appendChild(opt);
        });
      })
      .catch(function () {});
  }
  level1.addEventListener("change", function () { if (subSearch) { subSearch.value = ""; } loadSubUnits(); });
  if (subSearch) {
    subSearch.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(loadSubUnits, 250);
    });
  }
})();
