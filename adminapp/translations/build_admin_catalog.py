"""Build our `admin` catalog: Flask-Admin's shipped `vi` catalog with its mistakes corrected.

Run: .venv/bin/python adminapp/translations/build_admin_catalog.py  (writes admin.po and admin.mo)
"""
from pathlib import Path

import flask_admin
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).parent / "vi" / "LC_MESSAGES"
SOURCE = Path(flask_admin.__file__).parent / "translations" / "vi" / "LC_MESSAGES" / "admin.po"

FIXES = {
    "Failed to create record. %(error)s": "Không tạo được bản ghi. %(error)s",
    "Failed to update record. %(error)s": "Không cập nhật được bản ghi. %(error)s",
    "Failed to delete record. %(error)s": "Không xóa được bản ghi. %(error)s",
    "Failed to delete records. %(error)s": "Không xóa được các bản ghi. %(error)s",
    "Failed to get model. %(error)s": "Không tải được bản ghi. %(error)s",
    "Record was successfully created.": "Đã tạo bản ghi.",
    "Record was successfully saved.": "Đã lưu bản ghi.",
    "Record does not exist.": "Bản ghi không tồn tại.",
    "Failed to create record.": "Không tạo được bản ghi.",
    "Failed to save record.": "Không lưu được bản ghi. Vui lòng kiểm tra các trường được đánh dấu.",
    "Are you sure you want to delete selected records?": "Bạn có chắc muốn xóa các bản ghi đã chọn?",
    "Are you sure you want to delete this record?": "Bạn có chắc muốn xóa bản ghi này?",
    "items": "dòng",
    "Please select at least one record.": "Vui lòng chọn ít nhất một bản ghi.",
    "Select all records": "Chọn tất cả bản ghi",
    "Select record": "Chọn bản ghi",
    "View Record": "Xem chi tiết",
    "With selected": "Với các mục đã chọn",  # the initiative list's guidance says the same (issue 14)
    "Create New Record": "Tạo bản ghi mới",
    "Integrity error. %(message)s": "Lỗi ràng buộc dữ liệu. %(message)s",
    "Invalid Choice: could not coerce": "Lựa chọn không hợp lệ",
    "empty": "để trống",
    "not contains": "không chứa",
    "not between": "không nằm trong khoảng",
    "between": "trong khoảng",
    "Export": "Xuất",
    "Search": "Tìm",
    "Cancel": "Hủy",
    "Save and Add Another": "Lưu và thêm mới",
    "Save and Continue Editing": "Lưu và tiếp tục sửa",
    "Edit": "Sửa",
    "Edit Record": "Sửa bản ghi",
    "Permission denied.": "Không có quyền truy cập.",
    "Please select model": "Vui lòng chọn bản ghi",
    "Key": "Khóa",
    "Export type \"%(type)s\" is not supported.": "Không hỗ trợ xuất định dạng \"%(type)s\".",
}
PAGE_SIZES = (5, 10, 20, 50, 100, 200)
PLURAL_FIXES = {
    "Record was successfully deleted.": ("Đã xóa %(count)s bản ghi.",),
}


def main() -> None:
    with SOURCE.open("rb") as fh:
        catalog = read_po(fh, locale="vi")
    for message in catalog:
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if key in FIXES and not isinstance(message.id, tuple):
            message.string = FIXES[key]
        elif key in PLURAL_FIXES:
            message.string = PLURAL_FIXES[key]
    # The page-size menu builds its msgids from the option ("20 item" / "20 items").
    for n in PAGE_SIZES:
        catalog.add((f"{n} item", f"{n} items"), (f"{n} dòng",))
    HERE.mkdir(parents=True, exist_ok=True)
    with (HERE / "admin.po").open("wb") as fh:
        write_po(fh, catalog)
    with (HERE / "admin.mo").open("wb") as fh:
        write_mo(fh, catalog)


if __name__ == "__main__":
    main()
