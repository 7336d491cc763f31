//! The catalog of the shared page frame and of the review pages.

use super::catalog;

catalog! {
    /// A text of the shared page frame and of the review pages (worklist, specimen, sign-in);
    /// [`Text::text`](super::Text::text) gives it in a language.
    pub enum Msg {
        // The page frame.
        ProductName => ("Hệ thống thông tin xét nghiệm", "Laboratory information system"),
        SkipToContent => ("Bỏ qua, đến nội dung chính", "Skip to the main content"),
        MainNavigation => ("Điều hướng chính", "Main navigation"),
        NavWorklist => ("Duyệt kết quả", "Worklist"),
        SignedInAs => ("Người dùng", "Signed in as"),
        SignOut => ("Đăng xuất", "Sign out"),
        Language => ("Ngôn ngữ", "Language"),
        LanguageVietnamese => ("Tiếng Việt", "Vietnamese"),
        LanguageEnglish => ("Tiếng Anh", "English"),
        SwitchLanguage => ("Đổi ngôn ngữ sang", "Change the language to"),
        RoleTechnician => ("Kỹ thuật viên", "Technician"),
        RoleSupervisor => ("Kỹ thuật viên trưởng", "Supervisor"),
        RoleAdmin => ("Quản trị hệ thống", "Administrator"),
        FooterTimeZone => ("Giờ hiển thị theo múi giờ của phòng xét nghiệm", "Times are in the lab's time zone"),
        FooterKeyboardHint => ("Nhấn ? để xem phím tắt", "Press ? for keyboard shortcuts"),
        Notices => ("Thông báo", "Notices"),
        LiveOn => ("Đang cập nhật trực tiếp", "Live updates on"),
        LiveOff => ("Mất cập nhật trực tiếp: danh sách có thể chưa mới, hãy tải lại trang", "Live updates stopped: the list may be out of date, reload the page"),

        // Signing in.
        SignInTitle => ("Đăng nhập", "Sign in"),
        Username => ("Tên đăng nhập", "Username"),
        Password => ("Mật khẩu", "Password"),
        SignInButton => ("Đăng nhập", "Sign in"),
        WrongCredentials => ("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password."),
        AccountLocked => ("Đăng nhập sai quá nhiều lần. Hãy thử lại sau {minutes} phút.", "Too many failed sign-ins. Try again in {minutes} minutes."),
        MustChangePassword => ("Bạn phải đổi mật khẩu trước khi tiếp tục.", "You must change your password before you continue."),
        CurrentPassword => ("Mật khẩu hiện tại", "Current password"),
        NewPassword => ("Mật khẩu mới", "New password"),
        ConfirmPassword => ("Nhập lại mật khẩu mới", "Confirm the new password"),
        ChangePasswordButton => ("Đổi mật khẩu", "Change password"),
        PasswordTooShort => ("Mật khẩu phải có ít nhất {min} ký tự.", "The password must have at least {min} characters."),
        PasswordsDiffer => ("Hai mật khẩu không giống nhau.", "The two passwords are not the same."),
        PasswordUnchanged => ("Mật khẩu mới phải khác mật khẩu hiện tại.", "The new password must differ from the current one."),
        WrongCurrentPassword => ("Mật khẩu hiện tại không đúng.", "The current password is wrong."),
        SignedOut => ("Bạn đã đăng xuất.", "You have signed out."),

        // The worklist.
        WorklistTitle => ("Danh sách chờ duyệt", "Worklist"),
        ColSpecimen => ("Mẫu bệnh phẩm", "Specimen"),
        ColPatient => ("Bệnh nhân", "Patient"),
        ColSexAge => ("Giới / Tuổi", "Sex / Age"),
        ColDepartment => ("Khoa", "Department"),
        ColPriority => ("Ưu tiên", "Priority"),
        ColWaiting => ("Số chờ duyệt", "Waiting"),
        ColReasons => ("Lý do", "Reasons"),
        ColReceived => ("Nhận mẫu lúc", "Received"),
        ColSinceReceived => ("Từ khi nhận", "Since received"),
        FilterSection => ("Bộ phận", "Section"),
        FilterInstrument => ("Máy xét nghiệm", "Instrument"),
        FilterPriority => ("Ưu tiên", "Priority"),
        FilterState => ("Trạng thái", "State"),
        FilterDate => ("Ngày nhận mẫu", "Date received"),
        FilterAll => ("Tất cả", "All"),
        FilterApply => ("Lọc", "Filter"),
        FilterClear => ("Bỏ lọc", "Clear filters"),
        PriorityStat => ("Cấp cứu", "STAT"),
        PriorityRoutine => ("Thường quy", "Routine"),
        WorklistEmpty => ("Không có kết quả nào đang chờ bạn xử lý.", "No results are waiting for you."),
        WorklistEmptyFiltered => ("Không có kết quả nào khớp bộ lọc.", "No results match the filters."),
        TatOverdue => ("Quá thời gian trả kết quả", "Past the turnaround target"),
        Overdue => ("Quá hạn", "Overdue"),
        CriticalWaiting => ("Giá trị nguy hiểm đã chờ {duration}", "Critical value waiting for {duration}"),
        NextPage => ("Xem tiếp", "Next page"),
        FirstPage => ("Về đầu danh sách", "Back to the first page"),
        Held => ("Bị giữ lại", "Held"),
        ReasonUnit => ("Đơn vị không như cấu hình", "Unexpected unit"),
        ReasonReferenceRange => ("Ngoài khoảng tham chiếu hoặc không có khoảng", "Outside the reference range, or none applies"),
        ReasonMeasurementRange => ("Ngoài dải đo của máy", "Outside the measuring range"),
        ReasonReleasedVersionExists => ("Đã có phiên bản được trả: cần sửa kết quả", "A released version exists: a change needs a correction"),
        ReasonOther => ("Lý do khác", "Another reason"),
        NoticeLeftForReview => ("{count} kết quả không bình thường được để lại cho người duyệt.", "Left for a person's review: {count}."),

        // The specimen page.
        SpecimenTitle => ("Mẫu bệnh phẩm", "Specimen"),
        Patient => ("Bệnh nhân", "Patient"),
        PatientId => ("Mã bệnh nhân", "Patient ID"),
        DateOfBirth => ("Ngày sinh", "Date of birth"),
        Sex => ("Giới tính", "Sex"),
        SexMale => ("Nam", "Male"),
        SexFemale => ("Nữ", "Female"),
        SexUnknown => ("Không rõ", "Unknown"),
        Age => ("Tuổi", "Age"),
        AgeAtCollection => ("Tuổi khi lấy mẫu", "Age at collection"),
        AgeYears => ("{n} tuổi", "{n} y"),
        AgeMonths => ("{n} tháng", "{n} mo"),
        AgeDays => ("{n} ngày", "{n} d"),
        Order => ("Chỉ định", "Order"),
        PlacerNumber => ("Số phiếu chỉ định", "Placer number"),
        Doctor => ("Bác sĩ chỉ định", "Ordering doctor"),
        Department => ("Khoa", "Department"),
        Collected => ("Lấy mẫu lúc", "Collected"),
        Received => ("Nhận mẫu lúc", "Received"),
        Test => ("Xét nghiệm", "Test"),
        Result => ("Kết quả", "Result"),
        Value => ("Giá trị", "Value"),
        Unit => ("Đơn vị", "Unit"),
        ReferenceRange => ("Khoảng tham chiếu", "Reference range"),
        Flags => ("Cờ cảnh báo", "Flags"),
        State => ("Trạng thái", "State"),
        Instrument => ("Máy xét nghiệm", "Instrument"),
        ManualNoInstrument => ("Nhập tay", "Entered by hand"),
        Checks => ("Kiểm tra tự động", "Automatic checks"),
        WhyHeld => ("Lý do bị giữ lại", "Why it is held"),
        CheckPassed => ("Đạt", "Passed"),
        CheckFailed => ("Không đạt", "Failed"),
        CheckNotApplicable => ("Không áp dụng", "Not applicable"),
        PreviousResults => ("Kết quả các lần trước", "Previous results"),
        NoPreviousResults => ("Chưa có kết quả trước của bệnh nhân cho xét nghiệm này.", "No previous result of this patient for this test."),
        History => ("Lịch sử thao tác", "History"),
        Versions => ("Các phiên bản", "Versions"),
        VersionNumber => ("Phiên bản {n}", "Version {n}"),
        RawMessage => ("Bản tin gốc từ máy", "Raw message"),
        RawMessageShort => ("Bản tin", "Raw"),
        NoRange => ("Không có khoảng tham chiếu", "No reference range"),
        SupplementaryValues => ("Giá trị bổ sung máy gửi kèm kết quả", "Supplementary values the analyzer sent with the result"),
        SupplementaryName => ("Thành phần", "Name"),
        QcState => ("Nội kiểm (QC)", "QC state"),
        QcPassed => ("QC đạt", "QC passed"),
        QcFailed => ("QC không đạt", "QC failed"),
        QcNone => ("Chưa có QC", "No QC recorded"),
        Comments => ("Ghi chú", "Comments"),
        When => ("Thời điểm", "When"),
        Who => ("Người thực hiện", "Who"),
        What => ("Thao tác", "What"),
        Before => ("Trước", "Before"),
        After => ("Sau", "After"),
        SelectResult => ("Chọn kết quả", "Select result"),

        // Flags: their words and symbols are core's (`lis_core::presentation::flag_label`).
        FlagCritical => ("Nguy hiểm", "Critical"),
        DeltaDetail => ("Lần trước {previous} ngày {date}, thay đổi {change}", "Previous {previous} on {date}, change {change}"),

        // The automatic checks, by rule.
        RuleValuePresent => ("Máy có gửi giá trị", "The analyzer sent a value"),
        RuleUnit => ("Đơn vị đúng như cấu hình", "The unit is the expected one"),
        RuleReferenceRange => ("Trong khoảng tham chiếu", "Within the reference range"),
        RuleCritical => ("Không vượt ngưỡng nguy hiểm", "Not beyond a critical limit"),
        RuleMeasurementRange => ("Trong dải đo của máy", "Within the measuring range"),
        RuleDelta => ("Không chênh lệch lớn so với lần trước", "No large change from the previous result"),
        RuleInstrumentFlags => ("Máy không báo cờ", "No instrument flag"),
        RuleQc => ("Nội kiểm (QC) đạt", "QC in control"),
        RuleSpecimenAcceptable => ("Mẫu đạt yêu cầu", "The specimen is acceptable"),
        ReasonAutoverifyOff => ("Xét nghiệm này luôn cần người duyệt", "This test always needs a person's review"),

        // Result states.
        StateReceived => ("Mới nhận", "Received"),
        StatePendingReview => ("Chờ xác nhận", "Awaiting verification"),
        StateAutoVerified => ("Hệ thống tự xác nhận", "Verified automatically"),
        StateVerified => ("Đã xác nhận, chờ trả", "Verified, awaiting release"),
        StateReleased => ("Đã trả kết quả", "Released"),
        StateCorrected => ("Đã sửa sau khi trả", "Corrected after release"),
        StateRejected => ("Đã từ chối", "Rejected"),
        HistoryResultStored => ("Nhận kết quả từ máy", "Result received"),
        HistoryHold => ("Giữ lại để duyệt", "Held for review"),
        HistoryAutoverify => ("Hệ thống tự xác nhận", "Autoverified by the system"),
        HistoryVerify => ("Xác nhận", "Verify"),
        HistoryRelease => ("Trả kết quả", "Release"),
        HistoryReject => ("Từ chối", "Reject"),
        HistoryRerun => ("Yêu cầu chạy lại", "Rerun requested"),
        HistoryCorrect => ("Sửa kết quả đã trả", "Correction"),
        HistoryCallback => ("Ghi nhận báo kết quả nguy hiểm", "Critical call-back recorded"),
        HistoryComment => ("Ghi chú", "Comment"),
        StateRerunRequested => ("Chờ chạy lại", "Rerun requested"),

        // Actions: every button says what it does.
        Verify => ("Xác nhận", "Verify"),
        Release => ("Trả kết quả", "Release"),
        VerifyAndRelease => ("Xác nhận và trả kết quả", "Verify and release"),
        Rerun => ("Chạy lại", "Rerun"),
        Dilution => ("Độ pha loãng", "Dilution"),
        DilutionNone => ("Không pha loãng", "No dilution"),
        Reject => ("Từ chối", "Reject"),
        Reason => ("Lý do", "Reason"),
        Comment => ("Ghi chú", "Comment"),
        AddComment => ("Thêm ghi chú", "Add comment"),
        ManualEntry => ("Nhập kết quả bằng tay", "Manual entry"),
        EditValue => ("Sửa giá trị", "Edit value"),
        Correct => ("Sửa kết quả đã trả", "Correct released result"),
        RecordCallback => ("Ghi nhận đã báo giá trị nguy hiểm", "Record call-back"),
        CallbackTitle => ("Báo giá trị nguy hiểm", "Critical value call-back"),
        WhoWasTold => ("Người nhận thông báo", "Who was told"),
        TheirRole => ("Chức danh", "Role"),
        WardOrPhone => ("Khoa / số điện thoại", "Ward or phone"),
        ReadBack => ("Người nhận đã đọc lại kết quả", "They read the result back"),
        Outcome => ("Kết quả báo tin", "Outcome"),
        OutcomeToldReadBack => ("Đã báo, có đọc lại", "Told, with read-back"),
        OutcomeToldNoReadBack => ("Đã báo, không đọc lại", "Told, without read-back"),
        OutcomeNotReached => ("Không liên lạc được", "Could not reach"),
        ToldAt => ("Báo lúc", "Told at"),
        RecordedBy => ("Người ghi nhận", "Recorded by"),
        CallbackTold => ("Đã báo", "Told"),
        CallbackNotYet => ("Chưa báo", "Not told yet"),
        CtrlEnterSends => ("Ctrl+Enter để gửi", "Ctrl+Enter sends"),
        CallbackRequired => ("Phải ghi nhận đã báo giá trị nguy hiểm trước khi trả kết quả.", "Record the call-back before you release a critical result."),
        VerifyAllClear => ("Xác nhận mọi kết quả bình thường", "Verify all clear"),
        ReleaseAllClear => ("Trả mọi kết quả bình thường", "Release all clear"),
        AllClearExplained => ("Chỉ áp dụng cho kết quả không cờ, không bị giữ, không nguy hiểm và QC không lỗi; máy chủ tự kiểm tra lại.", "Only results with no flag, no held check, nothing critical and QC not failed; the server checks again."),
        Submit => ("Gửi", "Submit"),
        Cancel => ("Hủy", "Cancel"),
        Save => ("Lưu", "Save"),
        Open => ("Mở", "Open"),
        Actions => ("Thao tác", "Actions"),

        // Notices after an action.
        NoticeVerified => ("Đã xác nhận {count} kết quả.", "Results verified: {count}."),
        NoticeReleased => ("Đã trả {count} kết quả.", "Results released: {count}."),
        NoticeRerunRequested => ("Đã yêu cầu chạy lại.", "Rerun requested."),
        NoticeRejected => ("Đã từ chối kết quả.", "Result rejected."),
        NoticeCommentSaved => ("Đã lưu ghi chú.", "Comment saved."),
        NoticeCallbackRecorded => ("Đã ghi nhận việc báo giá trị nguy hiểm.", "Call-back recorded."),
        NoticeValueSaved => ("Đã lưu giá trị mới.", "New value saved."),

        // Errors.
        ErrorTitle => ("Không thực hiện được", "That did not work"),
        ErrorStatus => ("Mã lỗi", "Error code"),
        ErrorForbidden => ("Vai trò của bạn không được phép làm việc này.", "Your role may not do this."),
        ErrorNotFound => ("Không tìm thấy trang hoặc mục bạn cần.", "The page or item was not found."),
        ErrorStaleVersion => ("{who} đã thay đổi kết quả này lúc {when}. Trang đang hiện trạng thái mới nhất; hãy xem lại trước khi thao tác.", "{who} changed this result at {when}. The page now shows the newest state; check it before you act."),
        ErrorConflict => ("Không thể thực hiện: {reason}", "Not possible: {reason}"),
        ErrorSessionExpired => ("Phiên làm việc đã hết hạn. Hãy đăng nhập lại.", "Your session has expired. Please sign in again."),
        ErrorBadForm => ("Biểu mẫu đã cũ hoặc không hợp lệ. Hãy tải lại trang rồi thử lại.", "The form was out of date or invalid. Reload the page and try again."),
        ErrorBadRequest => ("Yêu cầu không hợp lệ: {detail}", "Invalid request: {detail}"),
        ErrorInternal => ("Lỗi hệ thống. Hãy tải lại trang để xem thao tác đã được ghi chưa, hoặc báo quản trị.", "Internal error. Reload the page to see whether the action was saved, or tell the administrator."),
        ErrorReasonRequired => ("Hãy nhập lý do.", "Please give a reason."),
        BackToWorklist => ("Về danh sách chờ duyệt", "Back to the worklist"),

        // Keyboard help.
        KeyboardHelpTitle => ("Phím tắt", "Keyboard shortcuts"),
        KeyHelpNextRow => ("Dòng tiếp theo", "Next row"),
        KeyHelpPreviousRow => ("Dòng trước", "Previous row"),
        KeyHelpOpen => ("Mở mẫu đang chọn", "Open the selected specimen"),
        KeyHelpToggle => ("Hiện hoặc ẩn bảng phím tắt", "Show or hide this help"),
        KeyHelpLeaveField => ("Rời ô đang nhập", "Leave the field you are typing in"),
        KeyHelpTyping => ("Phím tắt không hoạt động khi đang gõ trong ô nhập.", "Shortcuts are off while you type in a field."),
        KeyHelpWorklist => ("Trong danh sách chờ duyệt", "On the worklist"),
        KeyHelpSpecimen => ("Trong trang mẫu bệnh phẩm", "On a specimen"),
        Close => ("Đóng", "Close"),

        // Units of time, for "since received".
        UnitDay => ("ngày", "d"),
        UnitHour => ("giờ", "h"),
        UnitMinute => ("phút", "min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::i18n::{check_catalog, Lang, Text};

    #[test]
    fn the_catalog_is_complete_in_both_languages() {
        assert!(Msg::ALL.len() > 150, "the catalog lost entries");
        check_catalog::<Msg>(&[]);
    }

    #[test]
    fn vietnamese_uses_the_lab_words() {
        assert_eq!(Msg::Verify.text(Lang::Vi), "Xác nhận");
        assert_eq!(Msg::Release.text(Lang::Vi), "Trả kết quả");
        assert_eq!(Msg::Rerun.text(Lang::Vi), "Chạy lại");
        assert_eq!(Msg::Reject.text(Lang::Vi), "Từ chối");
        assert_eq!(Msg::PriorityStat.text(Lang::Vi), "Cấp cứu");
        assert_eq!(Msg::FlagCritical.text(Lang::Vi), "Nguy hiểm");
        assert_eq!(Msg::NavWorklist.text(Lang::Vi), "Duyệt kết quả");
        assert_eq!(Msg::Verify.text(Lang::En), "Verify");
    }

    #[test]
    fn fill_replaces_every_named_placeholder() {
        let text = Msg::ErrorStaleVersion.fill(
            Lang::En,
            &[("who", "Trần Thị B"), ("when", "07/12/2026 08:30")],
        );
        assert_eq!(
            text,
            "Trần Thị B changed this result at 07/12/2026 08:30. The page now shows the newest \
             state; check it before you act."
        );
        // A missing argument stays visible rather than vanishing.
        assert_eq!(Msg::AgeYears.fill(Lang::Vi, &[]), "{n} tuổi");
        assert_eq!(Msg::AgeYears.fill(Lang::Vi, &[("n", "45")]), "45 tuổi");
    }

    #[test]
    fn wrong_credentials_do_not_say_whether_the_user_exists() {
        for lang in Lang::ALL {
            let text = Msg::WrongCredentials.text(lang).to_lowercase();
            for telling in ["exist", "unknown", "not found", "tồn tại", "không tìm thấy"] {
                assert!(!text.contains(telling), "{lang}: {text}");
            }
        }
    }

    #[test]
    fn languages_parse_from_codes() {
        assert_eq!(Lang::parse("vi"), Some(Lang::Vi));
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("en-GB"), Some(Lang::En));
        assert_eq!(Lang::parse("vi_VN"), Some(Lang::Vi));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::parse(""), None);
        assert_eq!(
            "de".parse::<Lang>().unwrap_err().to_string(),
            "unknown language \"de\": expected \"vi\" or \"en\""
        );
        assert_eq!(Lang::default(), Lang::Vi);
        assert_eq!(Lang::Vi.other(), Lang::En);
    }
}
