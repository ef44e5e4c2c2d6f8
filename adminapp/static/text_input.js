/* Length limits count what the user sees. Vietnamese typed decomposed (Unikey "Unicode tổ hợp", macOS)
   uses two or three code points per letter, and the browser's own maxlength counts those: a 1000-letter
   limit cut the text at 781 letters. Here every limited text field (maxlength, rendered by WTForms from
   Length(max=…)) counts letters in NFC, as the server does (adminapp/text.py), shows a counter under a
   textarea and refuses to submit past the limit with a Vietnamese message; the text is never cut.
   The public form's description (data-limit) has its own counter (public_form.js). */
(function () {
  "use strict";
  function visible(value) {
    var text = (value || "").replace(/\r\n/g, "\n");
    if (text.normalize) { text = text.normalize("NFC"); }
    return Array.from(text).length;
  }
  window.appText = { visible: visible };
  var n = 0;
  function enhance(el) {
    if (el.dataset.maxlength || el.hasAttribute("data-limit")) { return; }
    var limit = parseInt(el.getAttribute("maxlength"), 10);
    if (!(limit > 0)) { return; }
    el.dataset.maxlength = String(limit);
    el.removeAttribute("maxlength");
    var counter = null;
    if (el.tagName === "TEXTAREA") {
      counter = document.createElement("small");
      counter.className = "form-text text-muted text-counter";
      counter.id = (el.id || "text-" + (++n)) + "-count";
      counter.setAttribute("aria-live", "polite");
      el.insertAdjacentElement("afterend", counter);
      var described = el.getAttribute("aria-describedby");
      el.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    }
    function update() {
      var count = visible(el.value);
      var over = count > limit;
      el.setCustomValidity(over ? "Không được dài quá " + limit + " ký tự (hiện có " + count + " ký tự)." : "");
      el.classList.toggle("is-invalid", over);
      if (counter) {
        counter.textContent = "Đã nhập " + count + "/" + limit + " ký tự" + (over ? " – vượt giới hạn" : "");
        counter.classList.toggle("text-danger", over);
        counter.classList.toggle("text-muted", !over);
      }
    }
    el.addEventListener("input", update);
    update();
  }
  function scan(root) {
    (root || document).querySelectorAll(
      "textarea[maxlength], input[maxlength]:not([type=password]):not([type=number])").forEach(enhance);
  }
  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  window.appText.scan = scan;
})();
