//! The words of what a person does to results and why a result waits: the notice after each
//! specimen action (what was done, what was refused and why), the sentences that say why a
//! result is held (built from the check's code and the result's values, never by translating
//! the stored English sentence), the manual entry, edit and correction forms, and the lab's
//! sections by name.

use lis_core::config::Section;
use lis_core::presentation::specimen_type_0487;

use super::i18n::{catalog, Lang, Text};

catalog! {
    /// A text about results: what was done to them, why they wait, how a value is typed in.
    pub enum ResultMsg {
        // What an action did (the notice after its redirect).
        DoneVerified => ("Đã xác nhận {count} kết quả.", "Results verified: {count}."),
        DoneReleased => ("Đã trả {count} kết quả.", "Results released: {count}."),
        DoneVerifiedReleased => ("Đã xác nhận và trả {count} kết quả.", "Results verified and released: {count}."),
        DoneRerun => ("Đã yêu cầu chạy lại {count} kết quả.", "Reruns requested: {count}."),
        DoneRejected => ("Đã từ chối {count} kết quả.", "Results rejected: {count}."),
        DoneCommented => ("Đã lưu {count} ghi chú.", "Comments saved: {count}."),
        DoneCallback => ("Đã ghi nhận việc báo giá trị nguy hiểm.", "Call-back recorded."),
        DoneEntered => ("Đã nhập kết quả bằng tay.", "Result entered by hand."),
        DoneEdited => ("Đã lưu giá trị mới thành phiên bản mới.", "New value saved as a new version."),
        DoneCorrected => ("Đã sửa kết quả đã trả và gửi lại cho HIS.", "Released result corrected and sent again to the HIS."),
        NotDone => ("Không thực hiện: {items}.", "Not done: {items}."),
        RefusedStale => ("người khác đã thay đổi kết quả này", "someone else changed it in the meantime"),
        RefusedCallback => ("chưa ghi nhận đã báo giá trị nguy hiểm", "no call-back recorded yet"),
        RefusedForbidden => ("vai trò của bạn không được phép", "your role may not"),
        RefusedState => ("trạng thái hiện tại không cho phép", "not possible in its state"),
        RefusedQc => ("QC của xét nghiệm trên máy này bị loại: cần một lượt QC đạt hoặc trưởng khoa cho phép", "the QC of its test on its instrument is rejected: it needs an accepted QC run or a supervisor's override"),

        // Why a result is held, from its check's code and its values.
        WhyNoValue => ("Máy không gửi giá trị", "The analyzer sent no value"),
        WhyUnit => ("Đơn vị máy gửi không phải {unit} như cấu hình", "The unit sent is not the expected {unit}"),
        WhyAboveRange => ("{value} cao hơn khoảng tham chiếu {range}", "{value} is above the reference range {range}"),
        WhyBelowRange => ("{value} thấp hơn khoảng tham chiếu {range}", "{value} is below the reference range {range}"),
        WhyOutsideRange => ("{value} không nằm trong khoảng tham chiếu {range}", "{value} is outside the reference range {range}"),
        WhyNoRange => ("Không có khoảng tham chiếu cho bệnh nhân này", "No reference range applies to this patient"),
        WhyCriticalHigh => ("{value} vượt ngưỡng nguy hiểm trên {limit}", "{value} is above the critical limit {limit}"),
        WhyCriticalLow => ("{value} dưới ngưỡng nguy hiểm dưới {limit}", "{value} is below the critical limit {limit}"),
        WhyCritical => ("{value} vượt ngưỡng nguy hiểm", "{value} is beyond a critical limit"),
        WhyAboveMeasuring => ("{value} trên dải đo của máy", "{value} is above the analyzer's measuring range"),
        WhyBelowMeasuring => ("{value} dưới dải đo của máy", "{value} is below the analyzer's measuring range"),
        WhyOutsideMeasuring => ("{value} ngoài dải đo của máy", "{value} is outside the analyzer's measuring range"),
        WhyDelta => ("Chênh lệch lớn so với lần trước: {detail}", "Large change from the previous result: {detail}"),
        WhyDeltaNoDetail => ("Chênh lệch lớn so với lần trước", "Large change from the previous result"),
        WhyInstrumentFlags => ("Máy báo cờ: {flags}", "The analyzer flagged it: {flags}"),
        WhyQc => ("Nội kiểm (QC) không đạt hoặc chưa có", "QC not in control, or none recorded"),
        WhySpecimen => ("Mẫu không đạt yêu cầu", "The specimen is not acceptable"),

        // Typing a value: manual entry, edit, correction.
        EnterHelp => ("Cho xét nghiệm đã chỉ định nhưng chưa có kết quả từ máy. Giá trị được kiểm tra như kết quả từ máy và chờ người duyệt.", "For an ordered test with no result from an analyzer. The value is checked like an analyzer's and waits for a person."),
        EnterButton => ("Lưu kết quả", "Save the result"),
        EditHelp => ("Giá trị mới là một phiên bản mới; phiên bản cũ được giữ lại trong lịch sử.", "The new value is a new version; the old one stays in the history."),
        EditButton => ("Lưu giá trị mới", "Save the new value"),
        CorrectHelp => ("Kết quả đã trả: giá trị đúng được trả ngay và gửi lại cho HIS như một bản sửa.", "A released result: the right value is released at once and sent again to the HIS as a correction."),
        CorrectButton => ("Sửa và gửi lại", "Correct and send again"),
        NewValue => ("Giá trị mới", "New value"),
        HistoryEdit => ("Sửa giá trị (phiên bản cũ)", "Value edited (old version)"),
        HistoryEditVersion => ("Giá trị mới sau khi sửa", "New value after an edit"),
        HistoryEnter => ("Nhập kết quả bằng tay", "Result entered by hand"),
        HistoryCorrectionVersion => ("Giá trị đúng sau khi sửa kết quả đã trả", "Corrected value of a released result"),

        // The lab's sections (core's closed list `config::Section`).
        SectionHematology => ("Huyết học", "Hematology"),
        SectionBiochemistry => ("Sinh hóa", "Biochemistry"),
        SectionImmunology => ("Miễn dịch", "Immunology"),
        SectionUrinalysis => ("Nước tiểu", "Urinalysis"),
        SectionCoagulation => ("Đông máu", "Coagulation"),
        SectionOther => ("Khác", "Other"),

        // Specimen types (HL7 table 0487 codes the lab uses; English as the table writes them).
        SpecimenSerum => ("Huyết thanh", "Serum"),
        SpecimenPlasma => ("Huyết tương", "Plasma"),
        SpecimenWholeBlood => ("Máu toàn phần", "Whole blood"),
        SpecimenArterialBlood => ("Máu động mạch", "Blood arterial"),
        SpecimenVenousBlood => ("Máu tĩnh mạch", "Blood venous"),
        SpecimenCapillaryBlood => ("Máu mao mạch", "Blood capillary"),
        SpecimenUrine => ("Nước tiểu", "Urine"),
        SpecimenCsf => ("Dịch não tủy", "Cerebral spinal fluid"),
        SpecimenStool => ("Phân", "Stool = Fecal"),
        SpecimenSputum => ("Đờm", "Sputum"),
        SpecimenSaliva => ("Nước bọt", "Saliva"),
        SpecimenSemen => ("Tinh dịch", "Seminal fluid"),
    }
}

/// A stored specimen type (`serum`, `SER`, `whole_blood_edta`) in words in `lang`, through its
/// HL7 table 0487 code; a type the table does not know is shown as stored.
pub fn specimen_type_words(stored: &str, lang: Lang) -> String {
    let msg = match specimen_type_0487(stored).map(|t| t.code) {
        Some("SER") => ResultMsg::SpecimenSerum,
        Some("PLAS") => ResultMsg::SpecimenPlasma,
        Some("BLD") => ResultMsg::SpecimenWholeBlood,
        Some("BLDA") => ResultMsg::SpecimenArterialBlood,
        Some("BLDV") => ResultMsg::SpecimenVenousBlood,
        Some("BLDC") => ResultMsg::SpecimenCapillaryBlood,
        Some("UR") => ResultMsg::SpecimenUrine,
        Some("CSF") => ResultMsg::SpecimenCsf,
        Some("STL") => ResultMsg::SpecimenStool,
        Some("SPT") => ResultMsg::SpecimenSputum,
        Some("SAL") => ResultMsg::SpecimenSaliva,
        Some("SMN") => ResultMsg::SpecimenSemen,
        _ => return stored.to_owned(),
    };
    msg.text(lang).to_owned()
}

/// The name of a section of the catalog.
pub fn section_msg(section: Section) -> ResultMsg {
    match section {
        Section::Hematology => ResultMsg::SectionHematology,
        Section::Biochemistry => ResultMsg::SectionBiochemistry,
        Section::Immunology => ResultMsg::SectionImmunology,
        Section::Urinalysis => ResultMsg::SectionUrinalysis,
        Section::Coagulation => ResultMsg::SectionCoagulation,
        Section::Other => ResultMsg::SectionOther,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::i18n::check_catalog;

    #[test]
    fn specimen_types_read_in_words_and_an_unknown_one_as_stored() {
        assert_eq!(specimen_type_words("serum", Lang::Vi), "Huyết thanh");
        assert_eq!(specimen_type_words("SER", Lang::En), "Serum");
        assert_eq!(
            specimen_type_words("whole_blood_edta", Lang::Vi),
            "Máu toàn phần"
        );
        assert_eq!(specimen_type_words("urine", Lang::En), "Urine");
        assert_eq!(specimen_type_words("swab_nasal", Lang::Vi), "swab_nasal");
    }

    #[test]
    fn the_catalog_is_complete_in_both_languages() {
        check_catalog::<ResultMsg>(&[]);
    }

    #[test]
    fn every_section_has_a_name_in_each_language() {
        for section in Section::ALL {
            assert_ne!(
                section_msg(section).text(Lang::Vi),
                section_msg(section).text(Lang::En)
            );
        }
        assert_eq!(
            section_msg(Section::Biochemistry).text(Lang::Vi),
            "Sinh hóa"
        );
        assert_eq!(section_msg(Section::Hematology).text(Lang::Vi), "Huyết học");
    }
}
