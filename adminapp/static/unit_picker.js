/* Participating units of the campaign form in bulk (templates/campaigns/form.html): all direct subordinates,
   all of a kind or a level, a diacritic-insensitive search with multi-select, pasted codes; the role per
   row or for the marked rows; no row limit. Rows post as before (unit_id + role_id pairs); the server
   checks every unit again. Without JavaScript the form keeps one "add a unit" row. */
(function () {
  "use strict";
  var data = document.getElementById("unit-candidates");
  var picker = document.getElementById("unit-picker");
  var table = document.getElementById("unit-rows");
  if (!data || !picker || !table) { return; }
  var cfg = JSON.parse(data.textContent);
  var units = cfg.units;
  var byId = {}, byCode = {};
  units.forEach(function (u) { byId[u.id] = u; byCode[u.code.toLowerCase()] = u; });
  var body = table.tBodies[0];
  var empty = body.querySelector("tr.row-empty");
  var roleTemplate = empty.querySelector("select[name=role_id]");
  var message = document.getElementById("pick-message");
  var count = document.getElementById("pick-count");
  var list = document.getElementById("pick-list");
  var search = document.getElementById("pick-search");
  picker.hidden = false;
  empty.parentNode.removeChild(empty);  // the picker replaces the no-JavaScript row

  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D")
      .toLowerCase().replace(/\s+/g, " ").trim();
  }
  function chosen() {
    var ids = {};
    body.querySelectorAll("tr[data-unit]").forEach(function (tr) { ids[tr.getAttribute("data-unit")] = tr; });
    return ids;
  }
  function updateCount() {
    var n = body.querySelectorAll("tr[data-unit]").length;
    count.textContent = "Đã chọn " + n + " đơn vị tham gia.";
  }
  function addRow(u, have) {
    if (have[u.id]) { return false; }
    var tr = document.createElement("tr");
    tr.setAttribute("data-unit", u.id);
    var label = u.name + " (" + u.code + ")";
    var mark = document.createElement("input");
    mark.type = "checkbox"; mark.className = "row-mark"; mark.setAttribute("aria-label", "Đánh dấu " + u.name);
    var hidden = document.createElement("input");
    hidden.type = "hidden"; hidden.name = "unit_id"; hidden.value = u.id;
    var role = roleTemplate.cloneNode(true);
    role.value = String(cfg.default_role);
    role.setAttribute("aria-label", "Vai trò của " + u.name);
    var remove = document.createElement("button");
    remove.type = "button"; remove.className = "btn btn-link btn-sm text-danger row-remove";
    remove.textContent = "Bỏ"; remove.setAttribute("aria-label", "Bỏ " + u.name);
    var cells = [mark, [hidden, document.createTextNode(label)], role, remove];
    cells.forEach(function (content) {
      var td = document.createElement("td");
      (Array.isArray(content) ? content : [content]).forEach(function (c) { td.appendChild(c); });
      tr.appendChild(td);
    });
    body.appendChild(tr);
    have[u.id] = tr;
    return true;
  }
  function addAll(list) {
    var have = chosen(), added = 0;
    list.forEach(function (u) { if (addRow(u, have)) { added += 1; } });
    updateCount();
    return added;
  }
  function say(text, bad) {
    message.textContent = text;
    message.className = "small mt-1 " + (bad ? "text-danger" : "text-success");
  }
  function fillList() {
    var term = fold(search.value);
    list.length = 0;
    units.forEach(function (u) {
      if (!term || u.fold.indexOf(term) !== -1) { list.appendChild(new Option(u.name + " (" + u.code + ")", u.id)); }
    });
  }
  search.addEventListener("input", fillList);
  fillList();

  picker.addEventListener("click", function (event) {
    var button = event.target.closest("[data-pick]");
    if (!button) { return; }
    var what = button.getAttribute("data-pick"), added;
    if (what === "children") {
      added = addAll(units.filter(function (u) { return u.parent === cfg.owner; }));
      say("Đã thêm " + added + " đơn vị trực thuộc trực tiếp.");
    } else if (what === "kind") {
      var kind = document.getElementById("pick-kind").value;
      added = addAll(units.filter(function (u) { return u.kind === kind; }));
      say("Đã thêm " + added + " đơn vị.");
    } else if (what === "level") {
      var level = parseInt(document.getElementById("pick-level").value, 10);
      added = addAll(units.filter(function (u) { return u.level === level; }));
      say("Đã thêm " + added + " đơn vị.");
    } else if (what === "selected") {
      var picked = Array.prototype.filter.call(list.options, function (o) { return o.selected; })
        .map(function (o) { return byId[o.value]; });
      if (!picked.length) { say("Chưa chọn đơn vị nào trong danh sách tìm kiếm.", true); return; }
      added = addAll(picked);
      say("Đã thêm " + added + " đơn vị.");
    } else if (what === "codes") {
      var box = document.getElementById("pick-codes");
      var codes = box.value.split(/[\s,;]+/).filter(Boolean);
      var found = [], unknown = [];
      codes.forEach(function (c) { var u = byCode[c.toLowerCase()]; if (u) { found.push(u); } else { unknown.push(c); } });
      added = addAll(found);
      box.value = unknown.join("\n");  // what could not be used stays, to be corrected
      say("Đã thêm " + added + " đơn vị." + (unknown.length ? " Không tìm thấy mã (hoặc không trực thuộc): " +
        unknown.join(", ") + "." : ""), unknown.length > 0);
    } else if (what === "role" || what === "remove") {
      var marked = body.querySelectorAll("tr[data-unit] input.row-mark:checked");
      if (!marked.length) { say("Chưa đánh dấu dòng nào.", true); return; }
      var role = document.getElementById("pick-role").value;
      marked.forEach(function (box) {
        var tr = box.closest("tr");
        if (what === "role") { tr.querySelector("select[name=role_id]").value = role; box.checked = false; }
        else { tr.parentNode.removeChild(tr); }
      });
      say((what === "role" ? "Đã đặt vai trò cho " : "Đã bỏ ") + marked.length + " dòng.");
      document.getElementById("rows-all").checked = false;
      updateCount();
    }
  });
  table.addEventListener("click", function (event) {
    var remove = event.target.closest(".row-remove");
    if (remove) { var tr = remove.closest("tr"); tr.parentNode.removeChild(tr); updateCount(); }
  });
  document.getElementById("rows-all").addEventListener("change", function (event) {
    body.querySelectorAll("input.row-mark").forEach(function (box) { box.checked = event.target.checked; });
  });
  updateCount();
})();
