//! The catalog of the monitoring pages: the unmatched queue, the instruments and the audit
//! trail.

use crate::ui::i18n::catalog;

catalog! {
    /// A text of the unmatched, instruments and audit pages; [`Text::text`] gives it in a
    /// language.
    ///
    /// [`Text::text`]: crate::ui::i18n::Text::text
    pub enum MonitorMsg {
        // Navigation.
        NavUnmatched => ("Kết quả chưa ghép", "Unmatched"),
        NavInstruments => ("Máy xét nghiệm", "Instruments"),
        NavAudit => ("Nhật ký thao tác", "Audit trail"),

        // The unmatched queue.
        UnmatchedTitle => ("Kết quả chưa ghép được chỉ định", "Unmatched results"),
        UnmatchedIntro => ("Kết quả máy gửi nhưng không khớp chỉ định nào. Kỹ thuật viên trưởng gắn từng kết quả vào đúng chỉ định (kết quả được kiểm tra lại như vừa nhận) hoặc loại bỏ kèm lý do.", "Results an analyzer sent that matched no order. A supervisor attaches each to the right order (it is then checked as if it had just arrived) or discards it with a reason."),
        UnmatchedWaiting => ("Đang chờ xử lý: {count}", "Waiting: {count}"),
        UnmatchedEmpty => ("Không có kết quả nào chưa ghép.", "No unmatched results."),
        ColAnalyzer => ("Máy", "Analyzer"),
        ColArrived => ("Nhận lúc", "Arrived"),
        ColSpecimenSent => ("Mã mẫu máy gửi", "Specimen id sent"),
        ColCodeSent => ("Mã xét nghiệm máy gửi", "Test code sent"),
        ColValue => ("Giá trị", "Value"),
        ColWhy => ("Vì sao chưa ghép", "Why unmatched"),
        ColPatientSent => ("Bệnh nhân máy gửi", "Patient sent"),
        ColRaw => ("Bản tin gốc", "Raw message"),
        OpenRaw => ("Xem bản tin", "View message"),
        OpenItem => ("Gắn hoặc loại bỏ", "Attach or discard"),
        OpenItemView => ("Xem", "View"),
        NoSpecimenIdSent => ("(máy không gửi mã mẫu)", "(no specimen id sent)"),
        WhyUnknownInstrument => ("Máy không có trong cấu hình", "The analyzer is not in the configuration"),
        WhyUnknownTestCode => ("Mã xét nghiệm của máy chưa được ánh xạ", "The analyzer's test code is not mapped"),
        WhyNoOrder => ("Không có mẫu nào mang mã này", "No specimen has this id"),
        WhyTestNotOrdered => ("Mẫu có nhưng xét nghiệm này không được chỉ định", "The specimen exists but this test was not ordered"),
        WhyOrderCancelled => ("Chỉ định đã bị huỷ", "The order was cancelled"),
        WhyNoSpecimenId => ("Máy không gửi mã mẫu", "The analyzer sent no specimen id"),
        ItemTitle => ("Kết quả chưa ghép số {id}", "Unmatched result {id}"),
        FindOrder => ("Tìm chỉ định để gắn", "Find the order to attach to"),
        FindOrderLabel => ("Mã mẫu, mã bệnh nhân, số phiếu chỉ định hoặc tên", "Specimen id, patient id, order number or name"),
        FindButton => ("Tìm", "Search"),
        NoOrdersFound => ("Không tìm thấy chỉ định nào khớp “{query}”.", "No order matches “{query}”."),
        ColOrder => ("Phiếu chỉ định", "Order"),
        ColPatientId => ("Mã bệnh nhân", "Patient id"),
        ColPatientName => ("Họ tên", "Name"),
        ColSpecimens => ("Mẫu", "Specimens"),
        ColTests => ("Xét nghiệm đã chỉ định", "Tests ordered"),
        ColOrderedAt => ("Chỉ định lúc", "Ordered"),
        AttachAs => ("Gắn như xét nghiệm", "Attach as test"),
        AttachButton => ("Gắn vào chỉ định này", "Attach to this order"),
        OrderIsCancelled => ("Đã huỷ: không gắn được", "Cancelled: cannot attach"),
        DiscardTitle => ("Loại bỏ kết quả này", "Discard this result"),
        DiscardReason => ("Lý do loại bỏ (bắt buộc)", "Reason for discarding (required)"),
        DiscardButton => ("Loại bỏ", "Discard"),
        NoticeAttached => ("Đã gắn kết quả vào mẫu {specimen}; kết quả đã được kiểm tra lại như vừa nhận.", "Attached to specimen {specimen}; the result was checked as if it had just arrived."),
        NoticeDiscarded => ("Đã loại bỏ kết quả chưa ghép số {id}.", "Unmatched result {id} discarded."),
        ResolvedAttached => ("Đã gắn vào mẫu {specimen} (kết quả số {result}).", "Attached to specimen {specimen} (result {result})."),
        ResolvedDiscarded => ("Đã loại bỏ lúc {when} bởi {who}. Lý do: {reason}", "Discarded at {when} by {who}. Reason: {reason}"),
        OnlySupervisorsResolve => ("Chỉ kỹ thuật viên trưởng được gắn hoặc loại bỏ kết quả chưa ghép.", "Only a supervisor may attach or discard unmatched results."),
        BackToQueue => ("Về danh sách chưa ghép", "Back to the unmatched queue"),
        OpenSpecimen => ("Mở mẫu", "Open the specimen"),
        NoTestForCode => ("Mã này chưa ánh xạ sang xét nghiệm nào: hãy chọn xét nghiệm.", "This code maps to no test: choose the test."),

        // The instruments.
        InstrumentsTitle => ("Máy xét nghiệm và đường truyền", "Instruments and links"),
        InstrumentsIntro => ("Một dòng cho mỗi đường truyền. Số bản tin, kết quả, NAK và lỗi tính từ 0 giờ hôm nay.", "One row per analyzer link. Messages, results, NAKs and errors count from midnight today."),
        NoLinks => ("Chưa có máy nào được cấu hình đường truyền.", "No analyzer link is configured."),
        ColLink => ("Đường truyền", "Link"),
        ColState => ("Trạng thái", "State"),
        ColPeer => ("Địa chỉ máy", "Peer"),
        ColLastMessage => ("Bản tin cuối", "Last message"),
        ColMessagesToday => ("Bản tin hôm nay", "Messages today"),
        ColResultsToday => ("Kết quả hôm nay", "Results today"),
        ColNaks => ("NAK", "NAKs"),
        ColErrors => ("Lỗi", "Errors"),
        ColUnmatched => ("Chưa ghép", "Unmatched"),
        ColQueue => ("Đang chờ lưu", "Waiting to store"),
        ColLastError => ("Lỗi gần nhất", "Last error"),
        ColTrace => ("Nhật ký truyền", "Trace"),
        LinkConnected => ("Đã kết nối", "Connected"),
        LinkListening => ("Đang chờ máy kết nối", "Listening"),
        LinkConnecting => ("Đang kết nối", "Connecting"),
        LinkDisconnected => ("Mất kết nối", "Disconnected"),
        LinkDisconnectedListening => ("Mất kết nối (đang chờ máy kết nối lại)", "Disconnected (waiting for the analyzer to connect again)"),
        LinkError => ("Lỗi", "Error"),
        NothingYet => ("Chưa nhận gì", "Nothing yet"),
        NoError => ("Không có", "None"),
        SilenceAlarm => ("Máy im lặng {minutes} phút (ngưỡng {limit} phút)", "Silent for {minutes} minutes (alarm after {limit})"),
        SilenceAlarmBanner => ("Cảnh báo máy im lặng: {links}", "Silence alarm: {links}"),
        ShowTrace => ("Xem nhật ký", "View trace"),
        TraceTitle => ("Nhật ký truyền của {link}", "Trace of {link}"),
        TraceIntro => ("Các byte gần nhất nhận và gửi, ký tự điều khiển ghi bằng tên (<STX>, <ETX>, <ENQ>, <ACK>, <CR>…), để đọc cho hãng máy khi cần hỗ trợ.", "The latest bytes received and sent, control characters written by name (<STX>, <ETX>, <ENQ>, <ACK>, <CR>…), to read to the analyzer's vendor."),
        TraceEmpty => ("Chưa có gì được truyền từ khi khởi động.", "Nothing sent or received since the start."),
        TraceFromAnalyzer => ("Máy → LIS", "Analyzer → LIS"),
        TraceToAnalyzer => ("LIS → Máy", "LIS → analyzer"),
        TraceEvent => ("Sự kiện", "Event"),
        BackToInstruments => ("Về danh sách máy", "Back to the instruments"),
        LinkNotFound => ("Không có đường truyền tên này.", "There is no link of this name."),

        // The audit trail.
        AuditTitle => ("Nhật ký thao tác", "Audit trail"),
        AuditSpecimenTitle => ("Nhật ký của mẫu {id}", "Audit trail of specimen {id}"),
        AuditResultTitle => ("Nhật ký của kết quả số {id}", "Audit trail of result {id}"),
        AuditIntro => ("Mọi thay đổi, mới nhất trước. Chỉ để xem: nhật ký không sửa được.", "Every change, newest first. Read-only: the trail cannot be edited."),
        FilterUser => ("Người thực hiện", "Who"),
        FilterAction => ("Thao tác", "Action"),
        FilterObject => ("Loại đối tượng", "Object kind"),
        FilterObjectId => ("Mã đối tượng", "Object id"),
        FilterFrom => ("Từ ngày", "From"),
        FilterUntil => ("Đến ngày", "Until"),
        FilterAny => ("Tất cả", "Any"),
        FilterApply => ("Lọc", "Filter"),
        FilterClear => ("Bỏ lọc", "Clear filters"),
        ExportCsv => ("Tải về CSV", "Download CSV"),
        ColTime => ("Thời điểm", "Time"),
        ColWho => ("Người thực hiện", "Who"),
        ColWhat => ("Thao tác", "What"),
        ColObject => ("Đối tượng", "Object"),
        ColChange => ("Cũ → mới", "Old → new"),
        ColReason => ("Lý do", "Reason"),
        ColAddress => ("Từ máy trạm", "From address"),
        ColSeq => ("Số", "No."),
        AuditEmpty => ("Không có mục nào khớp bộ lọc.", "No entries match the filters."),
        OlderEntries => ("Cũ hơn", "Older entries"),
        NewestEntries => ("Về mục mới nhất", "Back to the newest"),
        ChainIntact => ("Chuỗi nhật ký nguyên vẹn: {entries} mục đã kiểm tra. Mã băm cuối: {head}", "The audit chain is intact: {entries} entries checked. Head hash: {head}"),
        ChainBroken => ("Chuỗi nhật ký bị hỏng từ mục số {seq}: {problems}", "The audit chain is broken from entry {seq}: {problems}"),
        ChainEdited => ("mục {seq} đã bị sửa", "entry {seq} was edited"),
        ChainLinkBroken => ("mục trước mục {seq} đã bị xoá, chèn hoặc đổi chỗ", "an entry before {seq} was deleted, inserted or moved"),
        ChainGap => ("thiếu mục từ {expected} đến trước {found}", "entries {expected} up to {found} are missing"),
        ChainVerifyTitle => ("Kiểm tra chuỗi nhật ký (lis audit verify)", "Audit chain check (lis audit verify)"),
        AuditOfSpecimen => ("Nhật ký của mẫu", "Specimen's audit trail"),
        ActionUnmatchedAttach => ("Gắn kết quả chưa ghép", "Unmatched result attached"),
        ActionUnmatchedDiscard => ("Loại bỏ kết quả chưa ghép", "Unmatched result discarded"),
        ActionMessageIngest => ("Nhận bản tin từ máy", "Analyzer message received"),
        ActionOrderPlace => ("Nhận chỉ định", "Order received"),
        ActionSignIn => ("Đăng nhập", "Sign-in"),
        ActionUserLocked => ("Khoá tài khoản do đăng nhập sai", "Account locked after failed sign-ins"),
        ActionConfigLoad => ("Nạp cấu hình", "Configuration loaded"),
        BadDate => ("Ngày “{text}” không đúng dạng dd/mm/yyyy hoặc yyyy-mm-dd", "Date “{text}” is not dd/mm/yyyy or yyyy-mm-dd"),
    }
}

#[cfg(test)]
mod tests {
    use super::MonitorMsg;

    #[test]
    fn every_text_has_both_languages() {
        crate::ui::i18n::check_catalog::<MonitorMsg>(&[]);
    }
}
