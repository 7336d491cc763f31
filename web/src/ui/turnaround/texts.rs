//! The words of the turnaround dashboard, in Vietnamese and English.

use crate::ui::i18n::catalog;

catalog! {
    /// The turnaround dashboard's catalog.
    pub enum TurnaroundMsg {
        NavTurnaround => ("Thời gian trả KQ", "Turnaround"),
        Title => ("Thời gian trả kết quả", "Turnaround times"),
        RangeOneDay => ("Mẫu nhận ngày {from}", "Specimens received on {from}"),
        RangeDays => ("Mẫu nhận từ {from} đến {to}", "Specimens received from {from} to {to}"),
        From => ("Từ ngày", "From"),
        To => ("Đến ngày", "To"),
        Show => ("Xem", "Show"),
        Today => ("Hôm nay", "Today"),
        Last7 => ("7 ngày qua", "Last 7 days"),
        Last30 => ("30 ngày qua", "Last 30 days"),
        HeadlineLate => ("Xét nghiệm trễ chỉ tiêu: {count}", "Tests past their target: {count}"),
        HeadlineCritical => ("Kết quả nguy hiểm chưa báo: {count}", "Critical results not yet told: {count}"),
        Definition => ("Thời gian trả = từ lúc khoa nhận mẫu đến lúc kết quả được trả lần đầu. Trung vị và bách phân vị 90 theo thứ hạng gần nhất: giá trị ở hạng ⌈p × N⌉ của N thời gian xếp tăng dần. Mẫu chưa ghi giờ nhận, mẫu bị từ chối và xét nghiệm đã huỷ không được tính.", "Turnaround = from the lab's receipt of the specimen to the result's first release. Median and 90th percentile by nearest rank: the value at rank ⌈p × N⌉ of the N times sorted ascending. Specimens without a recorded receipt time, rejected specimens and cancelled tests are not counted."),
        MeasuredAt => ("Tính lúc {at}; mẫu chưa trả được tính đến lúc này.", "Computed at {at}; a test not yet released counts up to this moment."),
        BySection => ("Theo khoa phòng / nhóm xét nghiệm", "By section"),
        SectionNote => ("Một mẫu của một nhóm được tính khi xét nghiệm cuối cùng của nhóm đó được trả.", "A specimen counts for a section when the last of its tests in that section is released."),
        ByTest => ("Theo xét nghiệm", "By test"),
        ColSection => ("Nhóm", "Section"),
        ColTest => ("Xét nghiệm", "Test"),
        ColTarget => ("Chỉ tiêu", "Target"),
        ColSpecimens => ("Số mẫu", "Specimens"),
        ColReleased => ("Đã trả", "Released"),
        ColMedian => ("Trung vị", "Median"),
        ColP90 => ("Bách phân vị 90", "90th percentile"),
        ColLate => ("Trễ", "Late"),
        LateTitle => ("Mẫu trễ chỉ tiêu", "Late specimens"),
        LateNone => ("Không có mẫu nào trễ chỉ tiêu.", "No specimen is past its target."),
        LateCut => ("Hiện {shown} trong {total} xét nghiệm trễ (trễ nhiều nhất trước).", "Showing {shown} of {total} late tests (most overdue first)."),
        ColSpecimen => ("Mẫu", "Specimen"),
        ColReceived => ("Nhận lúc", "Received"),
        ColReleasedAt => ("Trả lúc", "Released"),
        ColTook => ("Thời gian", "Took"),
        ColOver => ("Quá chỉ tiêu", "Over target"),
        NotReleased => ("chưa trả", "not released"),
        StillWaiting => ("đang chờ", "still waiting"),
        CriticalTitle => ("Kết quả nguy hiểm và thời gian báo", "Critical results and call-back times"),
        CriticalNone => ("Không có kết quả nguy hiểm.", "No critical result."),
        CriticalExplained => ("Từ lúc kết quả đến LIS đến lần báo đầu tiên có người nhận (“đã báo”).", "From the result's arrival at the LIS to the first call-back in which someone was told."),
        ColValue => ("Kết quả", "Value"),
        ColArrived => ("Đến lúc", "Arrived"),
        ColToldAt => ("Báo lúc", "Told at"),
        ColToldTo => ("Người nhận", "Told to"),
        ColCallbackTime => ("Thời gian báo", "Time to call-back"),
        NoCallbackYet => ("chưa báo được", "no call-back yet"),
        ReleasedBeforeReceipt => ("{count} xét nghiệm được trả trước giờ nhận mẫu đã ghi (giờ nhận sai?) và không được tính.", "{count} tests were released before their specimen's recorded receipt (a wrong receipt time?) and are not counted."),
        NoSpecimens => ("Không có mẫu nào được nhận trong khoảng này.", "No specimen was received in this range."),
        Dash => ("—", "—"),
        SectionHematology => ("Huyết học", "Hematology"),
        SectionBiochemistry => ("Sinh hoá", "Biochemistry"),
        SectionImmunology => ("Miễn dịch", "Immunology"),
        SectionUrinalysis => ("Nước tiểu", "Urinalysis"),
        SectionCoagulation => ("Đông máu", "Coagulation"),
        SectionOther => ("Khác", "Other"),
        BadDate => ("Ngày không đọc được: {field} = \"{value}\" (dd/mm/yyyy hoặc yyyy-mm-dd).", "A date that cannot be read: {field} = \"{value}\" (dd/mm/yyyy or yyyy-mm-dd)."),
        BadRange => ("Khoảng ngày không hợp lệ: tối đa {days} ngày, ngày đầu không sau ngày cuối.", "A range that cannot be shown: at most {days} days, and the first day not after the last."),
    }
}

#[cfg(test)]
mod tests {
    use super::TurnaroundMsg;

    #[test]
    fn every_text_has_both_languages() {
        crate::ui::i18n::check_catalog::<TurnaroundMsg>(&[TurnaroundMsg::Dash]);
    }
}
