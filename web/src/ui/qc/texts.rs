//! The words of the quality control pages, in Vietnamese and English.

use lis_core::model::QcStanding;
use lis_core::presentation::qc_reason::{reason_words, FiredRule};
use lis_core::qc::WestgardRule;

use crate::ui::i18n::{catalog, Lang, Text};

catalog! {
    /// The quality control pages' catalog (the QC page, the Levey-Jennings chart, manual entry,
    /// targets) and the QC markers of the worklist and the specimen page.
    pub enum QcMsg {
        NavQc => ("Nội kiểm", "QC"),
        Title => ("Nội kiểm tra chất lượng (QC)", "Quality control"),
        HeadlineRejected => ("QC bị loại: {count} — kết quả bệnh nhân bị giữ", "QC rejected: {count} — patient results held"),
        HeadlineOverridden => ("QC bị loại nhưng đã được cho phép: {count}", "QC rejected but overridden: {count}"),
        HeadlineWarnings => ("Cảnh báo QC: {count}", "QC warnings: {count}"),
        HeadlineAllAccepted => ("Không có QC nào bị loại", "No QC is rejected"),
        HeldExplained => ("Khi QC của một xét nghiệm trên một máy bị loại, kết quả bệnh nhân của xét nghiệm đó trên máy đó không được tự động duyệt và không thể trả cho đến khi có một lượt QC đạt hoặc trưởng khoa ghi nhận cho phép (có lý do).", "While the QC of a test on an instrument is rejected, that test's patient results from that instrument are not autoverified and cannot be released until an accepted QC run or a supervisor's documented override."),
        StateTitle => ("Tình trạng QC theo máy và xét nghiệm", "QC state by instrument and test"),
        ColInstrument => ("Máy", "Instrument"),
        ColTest => ("Xét nghiệm", "Test"),
        ColState => ("Tình trạng", "State"),
        ColSetBy => ("Do lượt", "Set by"),
        ColWhen => ("Lúc", "When"),
        ColReason => ("Lý do", "Reason"),
        ColLots => ("Lô đang dùng", "Lots in use"),
        ColCharts => ("Biểu đồ", "Charts"),
        ColRechecks => ("Cần kiểm tra lại", "To re-check"),
        StateAccepted => ("Đạt", "Accepted"),
        StateWarning => ("Cảnh báo", "Warning"),
        StateRejected => ("BỊ LOẠI — giữ kết quả", "REJECTED — results held"),
        StateOverridden => ("Bị loại — đã cho phép", "Rejected — overridden"),
        StateNone => ("Chưa có QC", "No QC recorded"),
        RunNumber => ("Lượt {run}", "Run {run}"),
        OverriddenBy => ("Cho phép bởi {who} lúc {when}: {reason}", "Overridden by {who} at {when}: {reason}"),
        LotExpires => ("{material} lô {lot} (hạn {expires})", "{material} lot {lot} (expires {expires})"),
        LevelLink => ("Mức {level}", "Level {level}"),
        NoQcDefined => ("Chưa có máy hoặc xét nghiệm nào được cấu hình QC.", "No instrument or test has QC configured."),
        OverrideTitle => ("Cho phép trả kết quả dù QC bị loại", "Override the rejected QC"),
        OverrideExplained => ("Chỉ trưởng khoa. Kết quả vẫn không được tự động duyệt; mỗi lần trả được ghi là trả theo sự cho phép này, cho đến lượt QC tiếp theo.", "Supervisors only. Results are still not autoverified; each release is recorded as made under this override, until the next QC run."),
        OverrideReason => ("Lý do (bắt buộc)", "Reason (required)"),
        OverrideButton => ("Ghi nhận cho phép", "Record the override"),
        RecheckTitle => ("Kết quả bệnh nhân cần kiểm tra lại", "Patient results to re-check"),
        RecheckExplained => ("Các kết quả đến giữa lượt QC đạt cuối cùng và một lượt QC bị loại của cùng máy và xét nghiệm.", "Results that arrived between the last accepted QC run and a rejected one of the same instrument and test."),
        RecheckNone => ("Không có kết quả nào cần kiểm tra lại.", "No result waits for a re-check."),
        ColSpecimen => ("Mẫu", "Specimen"),
        ColValue => ("Kết quả", "Value"),
        ColResultState => ("Trạng thái", "Result state"),
        ColArrived => ("Đến lúc", "Arrived"),
        ColRejectedRun => ("Lượt QC bị loại", "Rejected run"),
        ColRecheck => ("Kiểm tra lại", "Re-check"),
        RecheckNote => ("Kết quả kiểm tra lại", "What the re-check found"),
        RecheckButton => ("Đã kiểm tra", "Record as checked"),
        UnresolvedTitle => ("Kết quả QC được giữ nhưng không đánh giá", "QC results kept but not evaluated"),
        UnresolvedExplained => ("Các kết quả QC này được lưu nhưng không đánh giá vì thiếu thông tin. Chúng không phải kết quả bệnh nhân.", "These QC results are stored but could not be evaluated. They are never patient results."),
        ColControl => ("Mã mẫu QC", "Control id"),
        ColLot => ("Lô", "Lot"),
        ColLevel => ("Mức", "Level"),
        ColWhy => ("Vì sao", "Why"),
        ResUnknownTest => ("mã xét nghiệm của máy không có trong bảng ánh xạ", "the instrument's test code is not in its test map"),
        ResUnknownLevel => ("không đọc được mức QC", "no level could be read"),
        ResUnknownMaterial => ("không có vật liệu QC nào có đích cho xét nghiệm này", "no QC material has a target for this test"),
        ResUnknownLot => ("lô không rõ hoặc không còn lô nào dùng được", "unknown lot, or no usable lot"),
        ResExpiredLot => ("lô đã hết hạn", "the lot had expired"),
        ResNoTarget => ("chưa có giá trị trung bình và SD đích", "no target mean and SD"),
        ResNotNumeric => ("giá trị không phải là số", "the value is not a number"),
        ResStoredBeforeQc => ("lưu trước khi có chức năng đánh giá QC", "stored before QC evaluation existed"),
        ResResolved => ("đã đánh giá", "evaluated"),
        EnterLink => ("Nhập kết quả QC bằng tay", "Enter a QC result by hand"),
        TargetsLink => ("Giá trị đích", "Targets"),
        EnterTitle => ("Nhập kết quả QC bằng tay", "Enter a QC result by hand"),
        EnterExplained => ("Cho máy không nối mạng với LIS. Kết quả được đánh giá theo quy tắc Westgard như kết quả QC từ máy.", "For analyzers without a link to the LIS. The value is evaluated with the Westgard rules like QC from an analyzer."),
        FieldInstrumentTest => ("Máy và xét nghiệm", "Instrument and test"),
        FieldLevel => ("Mức", "Level"),
        FieldLot => ("Lô (để trống: lô đang dùng)", "Lot (empty: the lot in use)"),
        FieldValue => ("Giá trị", "Value"),
        FieldMeasuredAt => ("Thời điểm đo (dd/mm/yyyy HH:mm, để trống: bây giờ)", "Measured at (dd/mm/yyyy HH:mm, empty: now)"),
        EnterButton => ("Lưu kết quả QC", "Store the QC result"),
        EnteredAccepted => ("Đã lưu QC {test} mức {level} trên {instrument}: {value}. Lượt QC đạt.", "Stored QC {test} level {level} on {instrument}: {value}. The run is accepted."),
        EnteredWarning => ("Đã lưu QC {test} mức {level} trên {instrument}: {value}. Lượt QC đạt có cảnh báo.", "Stored QC {test} level {level} on {instrument}: {value}. The run is accepted with a warning."),
        EnteredRejected => ("Đã lưu QC {test} mức {level} trên {instrument}: {value}. LƯỢT QC BỊ LOẠI: kết quả bệnh nhân {test} trên {instrument} bị giữ.", "Stored QC {test} level {level} on {instrument}: {value}. THE RUN IS REJECTED: patient results of {test} on {instrument} are held."),
        EnteredStored => ("Đã lưu QC {test} mức {level} trên {instrument}: {value}.", "Stored QC {test} level {level} on {instrument}: {value}."),
        EnteredUnresolved => ("Đã lưu QC {test} mức {level} trên {instrument}: {value}, nhưng không đánh giá được: {why}.", "Stored QC {test} level {level} on {instrument}: {value}, but it could not be evaluated: {why}."),
        SeeChart => ("Xem biểu đồ", "See the chart"),
        OverrideDone => ("Đã ghi nhận cho phép cho {test} trên {instrument}.", "Override recorded for {test} on {instrument}."),
        RecheckRecorded => ("Đã ghi nhận kiểm tra lại kết quả.", "The re-check is recorded."),
        TargetSaved => ("Đã lưu đích mới cho {test} trên {instrument}, lô {lot}, mức {level}.", "New target stored for {test} on {instrument}, lot {lot}, level {level}."),
        LabStatsUsed => ("Lô {lot} mức {level} của {test} trên {instrument} dùng thống kê của phòng xét nghiệm.", "Lot {lot} level {level} of {test} on {instrument} now uses the lab's own statistics."),
        ChartTitle => ("Biểu đồ Levey-Jennings", "Levey-Jennings chart"),
        ChartOf => ("{test} · {instrument} · mức {level}", "{test} · {instrument} · level {level}"),
        AllLots => ("Tất cả các lô", "All lots"),
        LotWord => ("Lô", "Lot"),
        LevelWord => ("Mức", "Level"),
        RunWord => ("Lượt", "Run"),
        MeanWord => ("TB", "Mean"),
        SdWord => ("SD", "SD"),
        ChartNone => ("Chưa có điểm QC nào được đánh giá cho lựa chọn này.", "No evaluated QC point for this choice yet."),
        Legend => ("● đạt · ▲ cảnh báo (1-2s) · ◆ vi phạm quy tắc loại, tên quy tắc ghi cạnh điểm · đường đứt dọc: đổi lô", "● accepted · ▲ warning (1-2s) · ◆ rejection rule broken, the rule's name beside the point · vertical dashed line: lot change"),
        Show => ("Xem", "Show"),
        TableTitle => ("Các điểm QC (theo thứ tự lượt chạy)", "The QC points (in run order)"),
        ColDate => ("Ngày giờ", "Date"),
        ColRun => ("Lượt", "Run"),
        ColZ => ("z (SD)", "z (SD)"),
        ColRules => ("Quy tắc", "Rules"),
        ColSupplementary => ("Giá trị kèm theo", "Supplementary values"),
        BackToQc => ("Về trang nội kiểm", "Back to quality control"),
        SummaryTitle => ("Tổng kết theo tháng", "Monthly summary"),
        SummaryExplained => ("Các điểm của lượt bị loại không được tính. SD mẫu (n − 1). Độ chệch % = (TB tháng − TB đích) / TB đích × 100; SDI = (TB tháng − TB đích) / SD đích.", "Points of rejected runs are left out. Sample SD (n − 1). Bias % = (month's mean − target mean) / target mean × 100; SDI = (month's mean − target mean) / target SD."),
        SummaryNone => ("Chưa có điểm nào để tổng kết.", "No point to summarise yet."),
        ColMonth => ("Tháng", "Month"),
        ColN => ("n", "n"),
        ColMean => ("TB", "Mean"),
        ColSd => ("SD", "SD"),
        ColCv => ("CV %", "CV %"),
        ColCumulative => ("Cộng dồn", "Cumulative"),
        ColTargetMean => ("TB đích", "Target mean"),
        ColTargetSd => ("SD đích", "Target SD"),
        ColBias => ("Độ chệch %", "Bias %"),
        ColSdi => ("SDI", "SDI"),
        SigmaTitle => ("Gợi ý theo Sigma", "Sigma advice"),
        SigmaExplained => ("Sigma = (TEa − |độ chệch|) / CV. Chỉ là gợi ý theo Westgard Sigma Rules: các quy tắc đang dùng không thay đổi.", "Sigma = (TEa − |bias|) / CV. Advice from Westgard Sigma Rules only: the configured rules do not change."),
        SigmaLine => ("Mức {level}: sigma {sigma} → {rules}", "Level {level}: sigma {sigma} → {rules}"),
        SigmaNotConfigured => ("Chưa cấu hình độ chệch và TEa cho xét nghiệm này.", "No bias and TEa are configured for this test."),
        TargetsTitle => ("Giá trị đích (trung bình và SD) theo lô và mức", "Targets (mean and SD) by lot and level"),
        TargetsExplained => ("Chỉ trưởng khoa sửa được; mỗi thay đổi cần lý do và được ghi nhật ký. Sau 20 điểm đạt, một lô có thể chuyển sang trung bình và SD của chính phòng xét nghiệm.", "Supervisors only; every change needs a reason and is audited. After 20 accepted points a lot may switch to the lab's own mean and SD."),
        ColMaterial => ("Vật liệu", "Material"),
        ColExpires => ("Hạn dùng", "Expires"),
        ColSource => ("Nguồn", "Source"),
        ColAcceptedPoints => ("Điểm đạt", "Accepted points"),
        ColChange => ("Sửa", "Change"),
        SourceConfig => ("cấu hình (nhà sản xuất)", "configuration (manufacturer)"),
        SourceEdited => ("sửa bởi {who} lúc {when}: {reason}", "edited by {who} at {when}: {reason}"),
        SourceLab => ("thống kê của phòng XN ({points} điểm), bởi {who} lúc {when}", "the lab's own statistics ({points} points), by {who} at {when}"),
        TargetReason => ("Lý do", "Reason"),
        SaveTarget => ("Lưu đích mới", "Store the new target"),
        UseLabStats => ("Dùng thống kê của phòng XN", "Use the lab's own statistics"),
        LabStatsNotYet => ("cần 20 điểm đạt (hiện có {points})", "needs 20 accepted points ({points} so far)"),
        QcRejectedMarker => ("QC BỊ LOẠI", "QC REJECTED"),
        QcRejectedOn => ("QC bị loại: {test} trên {instrument}", "QC rejected: {test} on {instrument}"),
        QcHoldDetail => ("QC của {test} trên {instrument} bị loại ({reason}). Không thể trả kết quả cho đến khi có lượt QC đạt hoặc trưởng khoa cho phép.", "QC of {test} on {instrument} is rejected ({reason}). The result cannot be released until an accepted QC run or a supervisor's override."),
        QcOverriddenDetail => ("QC của {test} trên {instrument} bị loại ({reason}) nhưng {who} đã cho phép: {why}", "QC of {test} on {instrument} is rejected ({reason}) but {who} overrode it: {why}"),
        RecheckFlag => ("Cần kiểm tra lại: đến trước lượt QC bị loại {runs}", "To re-check: arrived before rejected QC run {runs}"),
        ReleasedUnderOverride => ("Đã trả theo sự cho phép của {who}: {reason}", "Released under {who}'s override: {reason}"),
        ReleaseRefused => ("Không thể trả kết quả {result}: QC của {test} trên {instrument} bị loại ({reason}). Cần một lượt QC đạt hoặc trưởng khoa cho phép.", "Result {result} cannot be released: QC of {test} on {instrument} is rejected ({reason}). It needs an accepted QC run or a supervisor's override."),
        BadNumber => ("{field}: \"{value}\" không phải là số.", "{field}: \"{value}\" is not a number."),
        BadChoice => ("{field}: \"{value}\" không phải là một lựa chọn của trang này.", "{field}: \"{value}\" is not one of this page's choices."),
        BadTime => ("{field}: \"{value}\" không đọc được (dd/mm/yyyy HH:mm).", "{field}: \"{value}\" cannot be read (dd/mm/yyyy HH:mm)."),
        Required => ("{field}: bắt buộc.", "{field}: required."),
        Dash => ("—", "—"),
        RuleMeaning => ("{rule}: {meaning}", "{rule}: {meaning}"),
        Rule12s => ("một giá trị QC vượt ±2 SD (chỉ cảnh báo)", "one control value beyond 2 SD of its target mean (a warning only)"),
        Rule13s => ("một giá trị QC vượt ±3 SD so với trung bình đích", "one control value beyond 3 SD of its target mean"),
        Rule22s => ("hai giá trị QC vượt cùng một giới hạn 2 SD", "two control values beyond the same 2 SD limit"),
        Rule4s => ("trong một lượt, một giá trị trên +2 SD và một giá trị dưới −2 SD", "in one run, one control value above +2 SD and another below −2 SD"),
        Rule41s => ("bốn giá trị QC liên tiếp vượt cùng một giới hạn 1 SD", "four control values in a row beyond the same 1 SD limit"),
        Rule10x => ("mười giá trị QC liên tiếp ở cùng một phía của trung bình", "ten control values in a row on the same side of the mean"),
        Rule8x => ("tám giá trị QC liên tiếp ở cùng một phía của trung bình", "eight control values in a row on the same side of the mean"),
        Rule12x => ("mười hai giá trị QC liên tiếp ở cùng một phía của trung bình", "twelve control values in a row on the same side of the mean"),
        Rule2of32s => ("hai trong ba giá trị QC vượt cùng một giới hạn 2 SD", "two of three control values beyond the same 2 SD limit"),
        Rule31s => ("ba giá trị QC liên tiếp vượt cùng một giới hạn 1 SD", "three control values in a row beyond the same 1 SD limit"),
        Rule6x => ("sáu giá trị QC liên tiếp ở cùng một phía của trung bình", "six control values in a row on the same side of the mean"),
        Rule9x => ("chín giá trị QC liên tiếp ở cùng một phía của trung bình", "nine control values in a row on the same side of the mean"),
    }
}

/// What a Westgard rule means, in words.
pub fn rule_meaning(rule: WestgardRule) -> QcMsg {
    match rule {
        WestgardRule::R12s => QcMsg::Rule12s,
        WestgardRule::R13s => QcMsg::Rule13s,
        WestgardRule::R22s => QcMsg::Rule22s,
        WestgardRule::R4s => QcMsg::Rule4s,
        WestgardRule::R41s => QcMsg::Rule41s,
        WestgardRule::R10x => QcMsg::Rule10x,
        WestgardRule::R8x => QcMsg::Rule8x,
        WestgardRule::R12x => QcMsg::Rule12x,
        WestgardRule::R2of32s => QcMsg::Rule2of32s,
        WestgardRule::R31s => QcMsg::Rule31s,
        WestgardRule::R6x => QcMsg::Rule6x,
        WestgardRule::R9x => QcMsg::Rule9x,
    }
}

/// The rules a state's reason names (the store writes them by name: `1-3s on level 1 (GLU z =
/// +3.25) in run 4; R-4s ...`), each once in the order named, with what each means
/// (`1-3s: one control value beyond 3 SD of its target mean`): the reason says which rule, this
/// says what it is, for the person who does not know the names by heart.
pub fn rule_meanings(reason: &str, lang: Lang) -> Vec<String> {
    let mut rules: Vec<WestgardRule> = Vec::new();
    let words =
        reason.split(|c: char| c.is_whitespace() || matches!(c, ';' | ',' | '(' | ')' | ':'));
    for rule in words.filter_map(WestgardRule::parse) {
        if !rules.contains(&rule) {
            rules.push(rule);
        }
    }
    rules
        .into_iter()
        .map(|rule| {
            QcMsg::RuleMeaning.fill(
                lang,
                &[
                    ("rule", rule.name()),
                    ("meaning", rule_meaning(rule).text(lang)),
                ],
            )
        })
        .collect()
}

/// A state's reason in the reader's language, written from the parts its run recorded; the
/// store's English words when the parts are not at hand.
pub fn reason_in(standing: &QcStanding, fired: Option<&Vec<FiredRule>>, lang: Lang) -> String {
    match fired {
        Some(parts) => reason_words(
            lang,
            &standing.test_code,
            standing.run_id,
            standing.verdict,
            parts,
        ),
        None => standing.reason.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::QcMsg;

    #[test]
    fn every_text_has_both_languages() {
        crate::ui::i18n::check_catalog::<QcMsg>(&[
            QcMsg::SdWord,
            QcMsg::ColZ,
            QcMsg::ColN,
            QcMsg::ColSd,
            QcMsg::ColCv,
            QcMsg::ColSdi,
            QcMsg::Dash,
            QcMsg::RuleMeaning,
        ]);
    }

    #[test]
    fn a_reason_s_rules_are_explained_once_each_in_the_order_named() {
        use super::rule_meanings;
        use crate::ui::i18n::Lang;

        let reason = "1-3s on level 1 (GLU z = +3.25) in run 4; R-4s on levels 1 and 2 \
                      (GLU z = +3.25, -2.10) in run 4; 1-3s on level 2 (GLU z = -3.10) in run 4";
        assert_eq!(
            rule_meanings(reason, Lang::En),
            [
                "1-3s: one control value beyond 3 SD of its target mean",
                "R-4s: in one run, one control value above +2 SD and another below −2 SD",
            ]
        );
        assert_eq!(
            rule_meanings(
                "warning: 1-2s on level 2 (GLU z = +2.25) in run 2",
                Lang::Vi
            ),
            ["1-2s: một giá trị QC vượt ±2 SD (chỉ cảnh báo)"]
        );
        assert!(rule_meanings("no rule fired in run 5", Lang::En).is_empty());
    }
}
