//! The words of the patient pages (search and cumulative report), in Vietnamese and English.

use crate::ui::i18n::catalog;

catalog! {
    /// The patient pages' catalog.
    pub enum PatientMsg {
        NavPatients => ("Bệnh nhân", "Patients"),
        SearchTitle => ("Tìm bệnh nhân", "Find a patient"),
        SearchLabel => ("Mã bệnh nhân, họ tên, mã mẫu hoặc số phiếu chỉ định", "Patient id, name, specimen id or placer number"),
        SearchButton => ("Tìm", "Search"),
        SearchHint => ("Gõ tên có dấu hoặc không dấu: \"nguyen van an\" tìm được \"NGUYỄN VĂN AN\". Tên tìm theo phần đầu của họ tên, tên đệm và tên, hoặc tên.", "Type the name with or without Vietnamese marks: \"nguyen van an\" finds \"NGUYỄN VĂN AN\". A name matches from the start of the full name, of the middle and given name, or of the given name."),
        SearchNone => ("Không tìm thấy bệnh nhân nào cho \"{query}\".", "No patient found for \"{query}\"."),
        SearchMore => ("Có hơn {count} bệnh nhân khớp; hãy gõ thêm để thu hẹp.", "More than {count} patients match; type more to narrow the search."),
        SearchFound => ("{count} bệnh nhân khớp với \"{query}\".", "{count} patients match \"{query}\"."),
        ColPatientId => ("Mã BN", "Patient id"),
        ColName => ("Họ tên", "Name"),
        ColSex => ("Giới", "Sex"),
        ColBirthDate => ("Ngày sinh", "Date of birth"),
        ColFoundBy => ("Tìm theo", "Found by"),
        ColLastOrder => ("Chỉ định gần nhất", "Latest order"),
        FoundById => ("mã bệnh nhân", "patient id"),
        FoundBySpecimen => ("mã mẫu", "specimen id"),
        FoundByPlacer => ("số phiếu chỉ định", "placer number"),
        FoundByName => ("họ tên", "name"),
        HistoryTitle => ("Kết quả tích luỹ", "Cumulative report"),
        FactPatientId => ("Mã BN", "Patient id"),
        FactSex => ("Giới", "Sex"),
        FactBirth => ("Ngày sinh", "Date of birth"),
        FactAge => ("Tuổi", "Age"),
        HistoryExplained => ("Chỉ các kết quả đã trả cho HIS. Mỗi cột là một mẫu, mới nhất bên trái; ô trống: xét nghiệm không làm trên mẫu đó.", "Released results only (what the HIS has). Each column is one specimen, newest on the left; an empty cell: the test was not done on that specimen."),
        HistoryNone => ("Bệnh nhân này chưa có kết quả nào được trả.", "This patient has no released result yet."),
        HistoryColumnsCut => ("Bảng hiện {shown} mẫu gần nhất trong {total}; biểu đồ dùng mọi kết quả.", "The table shows the latest {shown} of {total} specimens; the charts use every result."),
        HistoryOlderCut => ("Chỉ đọc {count} kết quả gần nhất.", "Only the latest {count} results are read."),
        ColTest => ("Xét nghiệm", "Test"),
        ColUnit => ("Đơn vị", "Unit"),
        ColRange => ("Khoảng tham chiếu", "Reference range"),
        TrendsTitle => ("Diễn biến", "Trends"),
        TrendCaption => ("{test}: {count} kết quả từ {from} đến {to}", "{test}: {count} results from {from} to {to}"),
        TrendBand => ("Dải tô: khoảng tham chiếu {range}", "Shaded band: reference range {range}"),
        TrendMarks => ("■ ngoài khoảng tham chiếu, ● trong khoảng.", "■ outside the reference range, ● inside it."),
        TrendNoBand => ("Không có khoảng tham chiếu", "No reference range"),
        BackToSearch => ("Tìm bệnh nhân khác", "Find another patient"),
    }
}

#[cfg(test)]
mod tests {
    use super::PatientMsg;

    #[test]
    fn every_text_has_both_languages() {
        crate::ui::i18n::check_catalog::<PatientMsg>(&[]);
    }
}
