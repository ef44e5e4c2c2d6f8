"""Vietnamese labels of enum values, shown to people (code stays English)."""

UNIT_KINDS = {
    "confederation": "Tổng Liên đoàn",
    "province_federation": "LĐLĐ tỉnh/thành phố",
    "sector_union": "Công đoàn ngành Trung ương",
    "corporation_union": "Công đoàn Tổng Công ty",
    "district_union": "Công đoàn cấp trên trực tiếp cơ sở",
    "grassroots": "Công đoàn cơ sở",
    "government_body": "Cơ quan nhà nước",
    "other": "Khác",
}

LEVELS = {
    0: "Cấp 0 – Trung ương",
    1: "Cấp 1 – Tỉnh/ngành",
    2: "Cấp 2 – Huyện/tương đương",
    3: "Cấp 3 – Cơ sở",
    4: "Cấp 4",
    5: "Cấp 5",
}

AUDIT_ACTIONS = {
    "user.login": "Đăng nhập",
    "user.password_change": "Đổi mật khẩu",
    "user.create": "Tạo người dùng",
    "user.update": "Sửa người dùng",
    "user.delete": "Xóa người dùng",
    "unit.create": "Tạo đơn vị",
    "unit.update": "Sửa đơn vị",
    "unit.move": "Chuyển đơn vị",
    "unit.delete": "Xóa đơn vị",
    "role.create": "Tạo vai trò",
    "role.update": "Sửa vai trò",
    "role.delete": "Xóa vai trò",
}

OBJECT_TYPES = {
    "unit": "Đơn vị",
    "user_account": "Người dùng",
    "role": "Vai trò",
}

YES_NO = {True: "Có", False: "Không"}
