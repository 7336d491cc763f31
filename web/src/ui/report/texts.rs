//! The catalog of the printed result report.

use crate::ui::i18n::catalog;

catalog! {
    /// A text of the printed result report.
    pub enum ReportMsg {
        OpenReport => ("Phiếu kết quả", "Result report"),
        Title => ("PHIẾU KẾT QUẢ XÉT NGHIỆM", "LABORATORY RESULT REPORT"),
        PageTitle => ("Phiếu kết quả {placer}", "Report {placer}"),
        ReportId => ("Số phiếu", "Report no."),
        PageOf => ("Trang {n}/{total}", "Page {n} of {total}"),
        Phone => ("Điện thoại", "Phone"),
        Patient => ("Họ tên", "Patient"),
        PatientId => ("Mã bệnh nhân", "Patient ID"),
        Sex => ("Giới tính", "Sex"),
        BirthDate => ("Ngày sinh", "Date of birth"),
        Age => ("Tuổi", "Age"),
        Department => ("Khoa", "Department"),
        Doctor => ("Bác sĩ chỉ định", "Requesting doctor"),
        Specimen => ("Mẫu", "Specimen"),
        SpecimenType => ("Loại mẫu", "Specimen type"),
        Collected => ("Lấy mẫu lúc", "Collected"),
        Received => ("Nhận mẫu lúc", "Received"),
        Ordered => ("Chỉ định lúc", "Ordered"),
        Status => ("Tình trạng phiếu", "Report status"),
        StatusPreliminary => ("SƠ BỘ — còn kết quả chưa trả", "PRELIMINARY — some results are not yet released"),
        StatusFinal => ("CHÍNH THỨC", "FINAL"),
        StatusCorrected => ("ĐÃ ĐÍNH CHÍNH", "CORRECTED"),
        ColTest => ("Xét nghiệm", "Test"),
        ColResult => ("Kết quả", "Result"),
        ColUnit => ("Đơn vị", "Unit"),
        ColRange => ("Khoảng tham chiếu", "Reference range"),
        ColFlag => ("Đánh giá", "Flag"),
        NoRange => ("không có", "none"),
        Performed => ("Thực hiện", "Performed"),
        ManualEntry => ("nhập tay", "entered by hand"),
        VerifiedBy => ("Duyệt", "Verified"),
        ReleasedBy => ("Trả", "Released"),
        ReleasedBySystem => ("hệ thống (tự động duyệt)", "the system (autoverified)"),
        CorrectedNote => ("ĐÃ ĐÍNH CHÍNH lúc {at}: thay cho kết quả {old} (trả lúc {old_at})", "CORRECTED at {at}: replaces the result {old} (released {old_at})"),
        CallbackNote => ("Báo giá trị nguy hiểm: {when}, báo cho {name} ({role}), {location}; {outcome}; người báo: {by}", "Critical value call-back: {when}, told {name} ({role}), {location}; {outcome}; by {by}"),
        OutcomeReadBack => ("đã báo, có nhắc lại", "told, read back"),
        OutcomeNoReadBack => ("đã báo, không nhắc lại", "told, not read back"),
        OutcomeNotReached => ("không liên lạc được", "could not reach"),
        Comments => ("Ghi chú", "Comments"),
        NotReleasedYet => ("Chưa trả kết quả: {tests}", "Not yet released: {tests}"),
        NothingReleased => ("Chưa có kết quả nào được trả.", "No result has been released yet."),
        SpecimenRejected => ("Mẫu {id} bị từ chối: {reason}", "Specimen {id} was rejected: {reason}"),
        Signatures => ("Xác nhận", "Sign-off"),
        SignVerified => ("Người duyệt kết quả", "Verified by"),
        SignReleased => ("Người trả kết quả", "Released by"),
        SignHead => ("Trưởng khoa xét nghiệm", "Head of the laboratory"),
        PrintedAt => ("In lúc {at}", "Printed {at}"),
        PrintA4 => ("In khổ A4", "Print on A4"),
        PrintA5 => ("In khổ A5", "Print on A5"),
        ViewA4 => ("Xem khổ A4", "A4 view"),
        ViewA5 => ("Xem khổ A5", "A5 view"),
        PrintHint => ("Nút In ghi vào nhật ký ai in phiếu nào, lúc nào. Trong hộp thoại in: khổ giấy như đã chọn, lề mặc định hoặc không lề, tỉ lệ 100%.", "The Print buttons record who printed which report and when. In the print dialog: the paper chosen here, default or no margins, scale 100%."),
        SectionHematology => ("HUYẾT HỌC", "HAEMATOLOGY"),
        SectionBiochemistry => ("HÓA SINH", "BIOCHEMISTRY"),
        SectionImmunology => ("MIỄN DỊCH", "IMMUNOLOGY"),
        SectionUrinalysis => ("NƯỚC TIỂU", "URINALYSIS"),
        SectionCoagulation => ("ĐÔNG MÁU", "COAGULATION"),
        SectionOther => ("XÉT NGHIỆM KHÁC", "OTHER TESTS"),
        FlagsLegend => ("↑ H cao · ↓ L thấp · ⇈ HH / ⇊ LL nguy hiểm", "↑ H high · ↓ L low · ⇈ HH / ⇊ LL critical"),
    }
}

#[cfg(test)]
mod tests {
    use super::ReportMsg;

    #[test]
    fn every_text_has_both_languages() {
        crate::ui::i18n::check_catalog::<ReportMsg>(&[]);
    }
}
