//! The words of the administration pages (users, lab configuration), in Vietnamese and English.

use crate::ui::i18n::catalog;

catalog! {
    /// The administration pages' catalog.
    pub enum AdminMsg {
        NavUsers => ("Người dùng", "Users"),
        NavConfig => ("Cấu hình", "Configuration"),
        UsersTitle => ("Người dùng", "Users"),
        CreateTitle => ("Tạo người dùng", "Create a user"),
        Username => ("Tên đăng nhập", "Username"),
        DisplayName => ("Họ tên hiển thị", "Display name"),
        Roles => ("Vai trò", "Roles"),
        Language => ("Ngôn ngữ", "Language"),
        LabDefault => ("Mặc định của khoa", "The lab's default"),
        Create => ("Tạo", "Create"),
        ColStatus => ("Trạng thái", "Status"),
        ColActions => ("Thao tác", "Actions"),
        Active => ("Đang dùng", "Active"),
        Disabled => ("Đã khoá", "Disabled"),
        MustChange => ("phải đổi mật khẩu", "must change password"),
        Disable => ("Khoá tài khoản", "Disable"),
        ResetPassword => ("Cấp mật khẩu dùng một lần", "Reset password"),
        SaveRoles => ("Lưu vai trò", "Save roles"),
        SaveLanguage => ("Lưu ngôn ngữ", "Save language"),
        You => ("(bạn)", "(you)"),
        OneTimeTitle => ("Mật khẩu dùng một lần", "One-time password"),
        OneTimeCreated => ("Đã tạo người dùng {username}.", "User {username} created."),
        OneTimeReset => ("Đã cấp mật khẩu mới cho {username}; các phiên đăng nhập của họ đã kết thúc.", "{username} has a new password; their sessions have ended."),
        OneTimeExplained => ("Đưa mật khẩu này cho người dùng. Nó chỉ hiện một lần và phải đổi ở lần đăng nhập đầu tiên.", "Give this password to the user. It is shown only this once and must be changed at the first sign-in."),
        BackToUsers => ("Về trang người dùng", "Back to the users"),
        NoticeDisabled => ("Đã khoá tài khoản {username}.", "{username} is disabled."),
        NoticeRoles => ("Đã lưu vai trò của {username}.", "Roles of {username} saved."),
        NoticeLanguage => ("Đã lưu ngôn ngữ của {username}.", "Language of {username} saved."),
        BadRole => ("Vai trò không hợp lệ: \"{value}\".", "Not a role: \"{value}\"."),
        BadLanguage => ("Ngôn ngữ không hợp lệ: \"{value}\".", "Not a language: \"{value}\"."),
        MissingField => ("Thiếu trường: {field}.", "A field is missing: {field}."),
        ConfigTitle => ("Cấu hình của khoa (chỉ xem)", "Lab configuration (read-only)"),
        ConfigExplained => ("Đây là cấu hình LIS đang dùng, đọc từ {source}. Sửa tệp cấu hình và khởi động lại để thay đổi.", "This is the configuration the LIS is running with, read from {source}. Edit the configuration file and restart to change it."),
        ConfigLab => ("Khoa xét nghiệm", "Laboratory"),
        ConfigTimeZone => ("Múi giờ", "Time zone"),
        ConfigReviewSteps => ("Số bước duyệt", "Review steps"),
        ConfigReleaseByOther => ("Người trả phải khác người duyệt", "Release by another user"),
        ConfigSession => ("Phiên đăng nhập", "Sessions"),
        ConfigSessionValue => ("hết hạn sau {idle} phút không dùng, tối đa {hours} giờ", "end after {idle} idle minutes, at most {hours} hours"),
        ConfigRules => ("Quy tắc tự duyệt", "Autoverification rules"),
        ConfigQcUnknown => ("Chưa có QC thì giữ kết quả", "No QC recorded holds results"),
        Yes => ("có", "yes"),
        No => ("không", "no"),
        ConfigTests => ("Xét nghiệm ({count})", "Tests ({count})"),
        ColCode => ("Mã", "Code"),
        ColName => ("Tên", "Name"),
        ColSection => ("Nhóm", "Section"),
        ColUnit => ("Đơn vị", "Unit"),
        ColSpecimen => ("Loại mẫu", "Specimen"),
        ColRanges => ("Khoảng tham chiếu", "Reference ranges"),
        ColCritical => ("Giới hạn nguy hiểm", "Critical limits"),
        ColMeasurement => ("Khoảng đo", "Measurement range"),
        ColDelta => ("Delta", "Delta check"),
        ColAuto => ("Tự duyệt / tự trả", "Autoverify / auto-release"),
        ColTat => ("Chỉ tiêu thời gian", "Turnaround target"),
        ColReflex => ("Xét nghiệm phản xạ", "Reflex"),
        RangeAnySex => ("mọi giới", "any sex"),
        RangeMale => ("nam", "male"),
        RangeFemale => ("nữ", "female"),
        RangeAge => ("tuổi (ngày) {from}–{to}", "age (days) {from}–{to}"),
        RangeAgeFrom => ("tuổi (ngày) từ {from}", "age (days) from {from}"),
        DeltaValue => ("{kind} {limit} trong {hours} giờ", "{kind} {limit} within {hours} h"),
        DeltaAbsolute => ("tuyệt đối", "absolute"),
        DeltaPercent => ("phần trăm", "percent"),
        Dilution => ("pha loãng ×{factor}", "dilution ×{factor}"),
        DefaultTat => ("{value} (mặc định của nhóm)", "{value} (section default)"),
        ConfigInstruments => ("Máy xét nghiệm và kết nối ({count})", "Instruments and links ({count})"),
        ColId => ("Mã", "Id"),
        ColProfile => ("Hồ sơ máy", "Profile"),
        ColConnection => ("Kết nối", "Connection"),
        ColTestMap => ("Mã máy → mã LIS", "Instrument code → LIS code"),
        Hidden => ("(ẩn)", "(hidden)"),
        ConfigHis => ("Kết nối HIS", "HIS link"),
        ConfigNone => ("không có", "none"),
    }
}

#[cfg(test)]
mod tests {
    use super::AdminMsg;

    #[test]
    fn every_text_has_both_languages() {
        crate::ui::i18n::check_catalog::<AdminMsg>(&[]);
    }
}
