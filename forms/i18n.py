"""Vietnamese messages for WTForms' built-in validators (WTForms ships no `vi` catalog)."""

MESSAGES = {
    "This field is required.": "Trường này là bắt buộc.",
    "Not a valid integer value.": "Giá trị phải là số nguyên.",
    "Not a valid decimal value.": "Giá trị phải là số.",
    "Not a valid float value.": "Giá trị phải là số.",
    "Not a valid datetime value.": "Ngày giờ không hợp lệ.",
    "Not a valid date value.": "Ngày không hợp lệ, nhập theo dạng ngày/tháng/năm, ví dụ 31/12/2021",
    "Not a valid time value.": "Giờ không hợp lệ.",
    "Not a valid choice.": "Lựa chọn không hợp lệ.",
    "Invalid Choice: could not coerce.": "Lựa chọn không hợp lệ.",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Lựa chọn không hợp lệ.",
    "'%(value)s' is not a valid choice for this field.": "“%(value)s” không phải lựa chọn hợp lệ.",
    "'%(value)s' are not valid choices for this field.": "“%(value)s” không phải lựa chọn hợp lệ.",
    "Choices cannot be None.": "Chưa có danh sách lựa chọn.",
    "Invalid email address.": "Địa chỉ thư điện tử không hợp lệ.",
    "Invalid URL.": "Đường dẫn không hợp lệ.",
    "Invalid input.": "Giá trị không hợp lệ.",
    "Invalid value, must be one of: %(values)s.": "Giá trị không hợp lệ, phải là một trong: %(values)s.",
    "Invalid value, can't be any of: %(values)s.": "Giá trị không hợp lệ, không được là: %(values)s.",
    "Field must be equal to %(other_name)s.": "Giá trị phải trùng với trường %(other_name)s.",
    "Invalid field name '%s'.": "Tên trường không hợp lệ “%s”.",
    "Field must be at least %(min)d character long.": "Cần ít nhất %(min)d ký tự.",
    "Field must be at least %(min)d characters long.": "Cần ít nhất %(min)d ký tự.",
    "Field cannot be longer than %(max)d character.": "Không được dài quá %(max)d ký tự.",
    "Field cannot be longer than %(max)d characters.": "Không được dài quá %(max)d ký tự.",
    "Field must be exactly %(max)d character long.": "Phải có đúng %(max)d ký tự.",
    "Field must be exactly %(max)d characters long.": "Phải có đúng %(max)d ký tự.",
    "Field must be between %(min)d and %(max)d characters long.": "Độ dài phải từ %(min)d đến %(max)d ký tự.",
    "Number must be at least %(min)s.": "Giá trị phải từ %(min)s trở lên.",
    "Number must be at most %(max)s.": "Giá trị không được lớn hơn %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Giá trị phải từ %(min)s đến %(max)s.",
    "Invalid IP address.": "Địa chỉ IP không hợp lệ.",
    "Invalid Mac address.": "Địa chỉ MAC không hợp lệ.",
    "Invalid UUID.": "UUID không hợp lệ.",
    "Invalid CSRF Token.": "Mã bảo mật (CSRF) không hợp lệ. Vui lòng tải lại trang.",
    "CSRF token missing.": "Thiếu mã bảo mật (CSRF). Vui lòng tải lại trang.",
    "CSRF failed.": "Kiểm tra bảo mật (CSRF) thất bại. Vui lòng tải lại trang.",
    "CSRF token expired.": "Mã bảo mật (CSRF) đã hết hạn. Vui lòng tải lại trang.",
    "The CSRF token is missing.": "Thiếu mã bảo mật (CSRF). Vui lòng tải lại trang.",
    "The CSRF token is invalid.": "Mã bảo mật (CSRF) không hợp lệ. Vui lòng tải lại trang.",
    "The CSRF token has expired.": "Mã bảo mật (CSRF) đã hết hạn. Vui lòng tải lại trang.",
    "The CSRF session token is missing.": "Phiên làm việc thiếu mã bảo mật. Vui lòng tải lại trang.",
    "The CSRF tokens do not match.": "Mã bảo mật (CSRF) không khớp. Vui lòng tải lại trang.",
    "This field cannot be empty.": "Trường này không được để trống.",
    "File was empty!": "Tệp rỗng.",
}


class VietnameseTranslations:
    """The translations object WTForms asks for (Meta.get_translations)."""

    def gettext(self, string: str) -> str:
        return MESSAGES.get(string, string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return MESSAGES.get(singular if n == 1 else plural, singular if n == 1 else plural)


TRANSLATIONS = VietnameseTranslations()


class VietnameseMeta:
    """Mixin for a form's Meta: WTForms validation messages in Vietnamese."""

    def get_translations(self, form):  # noqa: ARG002
        return TRANSLATIONS
