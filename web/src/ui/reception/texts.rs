//! The catalog of the reception page and the specimen label.

use crate::ui::i18n::catalog;

catalog! {
    /// A text of the reception page and the specimen label.
    pub enum ReceptionMsg {
        NavReception => ("Nhận mẫu", "Reception"),
        Title => ("Nhận mẫu bệnh phẩm", "Specimen reception"),
        ScanLabel => ("Quét mã mẫu (hoặc gõ rồi nhấn Enter)", "Scan the specimen id (or type it and press Enter)"),
        ScanButton => ("Nhận mẫu", "Receive"),
        CollectedLabel => ("Giờ lấy mẫu, nếu chỉ định chưa có (dd/mm/yyyy HH:mm)", "Collection time, if the order has none (dd/mm/yyyy HH:mm)"),
        ScanHint => ("Giờ nhận là giờ của máy chủ. Quét lại một mẫu đã nhận không thay đổi gì.", "The receipt time is the server's. Scanning a received specimen again changes nothing."),
        OutcomeReceived => ("ĐÃ NHẬN mẫu {id} lúc {at}", "RECEIVED specimen {id} at {at}"),
        OutcomeAlready => ("MẪU ĐÃ NHẬN TRƯỚC ĐÓ: {id} đã được nhận lúc {at}. Không thay đổi gì.", "ALREADY RECEIVED: {id} was received at {at}. Nothing changed."),
        OutcomeUnknown => ("KHÔNG TÌM THẤY mẫu {id}. Kiểm tra nhãn hoặc chỉ định từ HIS.", "UNKNOWN specimen {id}. Check the label or the order from the HIS."),
        OutcomeRejected => ("ĐÃ TỪ CHỐI mẫu {id}: {reason}. {held} kết quả bị giữ lại.", "REJECTED specimen {id}: {reason}. {held} results are held."),
        CollectedEntered => ("Giờ lấy mẫu đã ghi theo giờ nhập.", "The collection time was recorded as typed."),
        CollectedUnknown => ("Chưa có giờ lấy mẫu.", "No collection time is recorded."),
        BadCollected => ("Giờ lấy mẫu \"{value}\" không đọc được: dùng dd/mm/yyyy HH:mm.", "Collection time \"{value}\" cannot be read: use dd/mm/yyyy HH:mm."),
        LastScan => ("Mẫu vừa quét", "Last scanned"),
        Tests => ("Xét nghiệm", "Tests"),
        TubeType => ("Loại ống", "Tube"),
        Collected => ("Lấy mẫu", "Collected"),
        Received => ("Nhận mẫu", "Received"),
        PrintLabel => ("In nhãn", "Print label"),
        OpenSpecimen => ("Mở trang mẫu", "Open the specimen"),
        RejectTitle => ("Từ chối mẫu", "Reject the specimen"),
        RejectReason => ("Lý do từ chối", "Reason"),
        RejectOtherText => ("Lý do khác (ghi rõ)", "Other reason (write it out)"),
        RejectButton => ("Từ chối mẫu", "Reject specimen"),
        RejectedAlready => ("Mẫu này đã bị từ chối: {reason}", "This specimen was rejected: {reason}"),
        ReasonHaemolysed => ("Vỡ hồng cầu (tán huyết)", "Haemolysed"),
        ReasonClotted => ("Đông máu", "Clotted"),
        ReasonInsufficientVolume => ("Không đủ thể tích", "Insufficient volume"),
        ReasonWrongTube => ("Sai loại ống", "Wrong tube"),
        ReasonUnlabelled => ("Không có nhãn", "Unlabelled"),
        ReasonOther => ("Lý do khác", "Other"),
        LabelTitle => ("Nhãn mẫu {id}", "Label {id}"),
        LabelHint => ("Nhãn 50 × 25 mm. Chọn máy in nhãn, khổ 50 × 25 mm, lề 0, tỉ lệ 100%.", "A 50 × 25 mm label. Choose the label printer, 50 × 25 mm paper, no margins, scale 100%."),
        PrintButton => ("In", "Print"),
        BackToReception => ("Về trang nhận mẫu", "Back to reception"),
    }
}

#[cfg(test)]
mod tests {
    use super::ReceptionMsg;

    #[test]
    fn every_text_has_both_languages() {
        crate::ui::i18n::check_catalog::<ReceptionMsg>(&[]);
    }
}
