/* What Flask-Admin did with inline event handlers, bound here so the CSP needs no 'unsafe-inline' script.
   - a[href^="javascript:"]: inert links (dropdown toggles, filter names, disabled pages) never navigate;
   - [data-app-action]: bulk action menu items (templates/admin/actions.html) run modelActions.execute;
   - [data-app-confirm]: buttons that ask before submitting (delete, templates/admin/model/row_actions.html);
   - [data-app-check-all=NAME]: a header checkbox that checks every checkbox named NAME in its form. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target || !target.closest) { return; }
    if (target.closest('a[href^="javascript:"]')) { event.preventDefault(); }
    var action = target.closest("[data-app-action]");
    if (action) {
      event.preventDefault();
      if (window.modelActions) { window.modelActions.execute(action.getAttribute("data-app-action")); }
      return;
    }
    var all = target.closest("input[data-app-check-all]");
    if (all) {
      var boxes = (all.form || document).querySelectorAll('input[type="checkbox"][name="' + all.getAttribute("data-app-check-all") + '"]');
      Array.prototype.forEach.call(boxes, function (box) { box.checked = all.checked; });
      return;
    }
    var confirmed = target.closest("[data-app-confirm]");
    if (confirmed && !window.confirm(confirmed.getAttribute("data-app-confirm"))) { event.preventDefault(); }
  }, true);  // capture: Flask-Admin's dropdown hack stops the click's propagation at the toggle
})();
