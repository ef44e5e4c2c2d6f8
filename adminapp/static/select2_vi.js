/* Vietnamese strings for select2 3.5 (shipped with Flask-Admin). */
(function ($) {
  "use strict";
  if (!$ || !$.fn || !$.fn.select2) { return; }
  var vi = {
    formatMatches: function (matches) { return matches === 1 ? "Có 1 kết quả, nhấn Enter để chọn." : "Có " + matches + " kết quả, dùng phím mũi tên để chọn."; },
    formatNoMatches: function () { return "Không tìm thấy kết quả"; },
    formatAjaxError: function () { return "Không tải được dữ liệu"; },
    formatInputTooShort: function (input, min) { return "Vui lòng nhập thêm " + (min - input.length) + " ký tự"; },
    formatInputTooLong: function (input, max) { return "Vui lòng xóa bớt " + (input.length - max) + " ký tự"; },
    formatSelectionTooBig: function (limit) { return "Chỉ được chọn " + limit + " mục"; },
    formatLoadMore: function () { return "Đang tải thêm…"; },
    formatSearching: function () { return "Đang tìm…"; }
  };
  $.fn.select2.locales = $.fn.select2.locales || {};
  $.fn.select2.locales.vi = vi;
  $.extend($.fn.select2.defaults, vi);
})(window.jQuery);
