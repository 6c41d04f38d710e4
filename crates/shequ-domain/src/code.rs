//! Every error code shequ can answer with, in one registry. A code is
//! stable snake_case (`rule_window`); the UI translates it through the
//! message `error-<code>` in `web/i18n/<lang>/*.ftl`, and a test in the
//! server checks that every code here has its message in both languages.
//!
//! One list for the domain's codes and the server's: they share one
//! namespace (the key a page looks up), and the domain crate is the one
//! every other crate depends on, so each can name a code as a value and
//! none can emit one the list does not know. A code with no message here
//! is a compile error at the place that emits it, not a raw code on a page.

use std::fmt;

macro_rules! codes {
    ($($variant:ident => $code:literal,)+) => {
        /// A stable error code. `Code::ALL` lists every one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(
                #[doc = concat!("`", $code, "`")]
                $variant,
            )+
        }

        impl Code {
            /// Every code, for the test that each has its messages.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// The stable snake_case text clients and pages key on.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)+
                }
            }

            /// The code named `s`, if there is one.
            pub fn parse(s: &str) -> Option<Code> {
                match s {
                    $($code => Some(Code::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

codes! {
    // registry
    CareTagInvalid => "care_tag_invalid",
    GenderUnknown => "gender_unknown",
    IdentityNumberBirthDate => "identity_number_birth_date",
    IdentityNumberChecksum => "identity_number_checksum",
    IdentityNumberDigits => "identity_number_digits",
    IdentityNumberLength => "identity_number_length",
    PhoneInvalid => "phone_invalid",
    PlaceKindUnknown => "place_kind_unknown",
    FacilityTypeUnknown => "facility_type_unknown",
    RegionCodeEmpty => "region_code_empty",
    RegionCodeInvalid => "region_code_invalid",
    RegionCodeTooLong => "region_code_too_long",
    RegionKindUnknown => "region_kind_unknown",
    RegionPathInvalid => "region_path_invalid",
    ResidencyUnknown => "residency_unknown",
    ReasonLength => "reason_length",
    FieldsEmpty => "fields_empty",
    RevealFieldUnknown => "reveal_field_unknown",
    RegionUnknown => "region_unknown",
    NotABuilding => "not_a_building",
    ImportValueInvalid => "import_value_invalid",
    // accounts
    RoleUnknown => "role_unknown",
    InvalidCredentials => "invalid_credentials",
    SessionExpired => "session_expired",
    LoginRequired => "login_required",
    AccountDisabled => "account_disabled",
    UserRequired => "user_required",
    InvalidToken => "invalid_token",
    TokenScope => "token_scope",
    TooManyAttempts => "too_many_attempts",
    UsernameInvalid => "username_invalid",
    PasswordTooShort => "password_too_short",
    NameLength => "name_length",
    ScopesInvalid => "scopes_invalid",
    // app
    ForbiddenRole => "forbidden_role",
    OutOfScope => "out_of_scope",
    CsrfOrigin => "csrf_origin",
    InvalidInput => "invalid_input",
    InvalidValue => "invalid_value",
    ValueInvalid => "value_invalid",
    Required => "required",
    ReferenceNotFound => "reference_not_found",
    AlreadyExists => "already_exists",
    NotFound => "not_found",
    FormInvalid => "form_invalid",
    FormTooLarge => "form_too_large",
    InternalError => "internal_error",
    DatabaseUnavailable => "database_unavailable",
    DatabaseBusy => "database_busy",
    StorageFull => "storage_full",
    BadRequest => "bad_request",
    MethodNotAllowed => "method_not_allowed",
    PayloadTooLarge => "payload_too_large",
    UnsupportedMediaType => "unsupported_media_type",
    RequestRefused => "request_refused",
    // orders
    OrderWrongState => "order_wrong_state",
    OrderActionNotAllowed => "order_action_not_allowed",
    OrderFieldMissing => "order_field_missing",
    OrderClockState => "order_clock_state",
    OrderReopenUsed => "order_reopen_used",
    CategoryUnknown => "category_unknown",
    CategoryMissing => "category_missing",
    DescriptionMissing => "description_missing",
    DescriptionTooLong => "description_too_long",
    TitleTooLong => "title_too_long",
    LocationMissing => "location_missing",
    LocationInvalid => "location_invalid",
    CoordinatesOutOfRange => "coordinates_out_of_range",
    LocationOutside => "location_outside",
    LocationIncomplete => "location_incomplete",
    PlaceUnknown => "place_unknown",
    PersonUnknown => "person_unknown",
    AddressTooLong => "address_too_long",
    NameTooLong => "name_too_long",
    AttributesInvalid => "attributes_invalid",
    AttributeRequired => "attribute_required",
    AttributeInvalid => "attribute_invalid",
    AttributeNumber => "attribute_number",
    AttributeDatetime => "attribute_datetime",
    PhotoTooLarge => "photo_too_large",
    PhotoNotImage => "photo_not_image",
    PhotoEmpty => "photo_empty",
    PhotoMissing => "photo_missing",
    PhotoStageInvalid => "photo_stage_invalid",
    SourceInvalid => "source_invalid",
    PriorityInvalid => "priority_invalid",
    StateUnknown => "state_unknown",
    OwnerInvalid => "owner_invalid",
    RatingMissing => "rating_missing",
    RatingInvalid => "rating_invalid",
    ToUserMissing => "to_user_missing",
    OfMissing => "of_missing",
    TeamsMissing => "teams_missing",
    MinutesInvalid => "minutes_invalid",
    TeamMissing => "team_missing",
    ActionInvalid => "action_invalid",
    UserNotFound => "user_not_found",
    NotificationNotDead => "notification_not_dead",
    CodeInvalid => "code_invalid",
    NameMissing => "name_missing",
    GroupInvalid => "group_invalid",
    KindInvalid => "kind_invalid",
    PeriodInvalid => "period_invalid",
    ShiftInvalid => "shift_invalid",
    SlaInvalid => "sla_invalid",
    TargetInvalid => "target_invalid",
    // sensing
    RuleKind => "rule_kind",
    RuleParams => "rule_params",
    RuleWindow => "rule_window",
    RuleHours => "rule_hours",
    RuleFilter => "rule_filter",
    RulePurpose => "rule_purpose",
    RuleExpiry => "rule_expiry",
    RuleTarget => "rule_target",
    CodeTaken => "code_taken",
    NumberInvalid => "number_invalid",
    DateInvalid => "date_invalid",
    RegionInvalid => "region_invalid",
    BadJson => "bad_json",
    TooManyEvents => "too_many_events",
    DeviceCodeInvalid => "device_code_invalid",
    DeviceTokenRequired => "device_token_required",
    InvalidDeviceToken => "invalid_device_token",
    // open311: GeoReport v2's own refusals
    Open311ParamMissing => "open311_param_missing",
    Open311ParamRepeated => "open311_param_repeated",
    Open311FormatUnknown => "open311_format_unknown",
    Open311NoSuchPath => "open311_no_such_path",
    Open311MethodNotAllowed => "open311_method_not_allowed",
    Open311ApiKeyMissing => "open311_api_key_missing",
    Open311ApiKeyInvalid => "open311_api_key_invalid",
    Open311ApiKeyScope => "open311_api_key_scope",
    Open311OutsideArea => "open311_outside_area",
    Open311ServiceUnknown => "open311_service_unknown",
    Open311Internal => "open311_internal",
    Open311Unavailable => "open311_unavailable",
    Open311InvalidField => "open311_invalid_field",
    Open311FormType => "open311_form_type",
    Open311FormUnreadable => "open311_form_unreadable",
    Open311FormNotUtf8 => "open311_form_not_utf8",
    Open311AttributeParam => "open311_attribute_param",
    Open311TooLong => "open311_too_long",
    Open311Coordinate => "open311_coordinate",
    Open311MediaUrl => "open311_media_url",
    Open311Email => "open311_email",
    Open311LatLongPair => "open311_lat_long_pair",
    Open311AddressId => "open311_address_id",
    Open311LocationMissing => "open311_location_missing",
    Open311WholeNumber => "open311_whole_number",
    Open311Datetime => "open311_datetime",
    Open311DatesReversed => "open311_dates_reversed",
    Open311DatesSpan => "open311_dates_span",
    Open311IdsTooMany => "open311_ids_too_many",
    Open311IdInvalid => "open311_id_invalid",
    Open311StatusInvalid => "open311_status_invalid",
    Open311RequestUnknown => "open311_request_unknown",
    Open311TokenUnknown => "open311_token_unknown",
    Open311AttributeMissing => "open311_attribute_missing",
    Open311AttributeUnknown => "open311_attribute_unknown",
    Open311AttributeOneValue => "open311_attribute_one_value",
    Open311AttributeNumber => "open311_attribute_number",
    Open311AttributeDatetime => "open311_attribute_datetime",
    Open311AttributeLineBreak => "open311_attribute_line_break",
    Open311AttributeTooLong => "open311_attribute_too_long",
    Open311AttributeChoice => "open311_attribute_choice",
    // what a request names that does not exist, and values already taken
    AlertRuleNotFound => "alert_rule_not_found",
    ApiTokenNotFound => "api_token_not_found",
    BuildingNotFound => "building_not_found",
    CategoryNotFound => "category_not_found",
    DeadLetterNotFound => "dead_letter_not_found",
    HouseholdNotFound => "household_not_found",
    LanguageNotFound => "language_not_found",
    NotificationNotFound => "notification_not_found",
    OrderNotFound => "order_not_found",
    PageNotFound => "page_not_found",
    PersonNotFound => "person_not_found",
    PhotoNotFound => "photo_not_found",
    PlaceNotFound => "place_not_found",
    RegionNotFound => "region_not_found",
    ReportNotFound => "report_not_found",
    RouteNotFound => "route_not_found",
    RoutingRuleNotFound => "routing_rule_not_found",
    StreetNotFound => "street_not_found",
    TeamNotFound => "team_not_found",
    Conflict => "conflict",
    DeviceCodeTaken => "device_code_taken",
    UsernameTaken => "username_taken",
    // party
    PartyOrgKindUnknown => "party_org_kind_unknown",
    PartyOrgDuplicate => "party_org_duplicate",
    PartyParentUnknown => "party_parent_unknown",
    PartyParentKind => "party_parent_kind",
    PartyTreeCycle => "party_tree_cycle",
    PartyMoveCycle => "party_move_cycle",
    PartyDissolveNotEmpty => "party_dissolve_not_empty",
    PartyTransferTarget => "party_transfer_target",
    PartyTransferState => "party_transfer_state",
    PartyMembershipOverlap => "party_membership_overlap",
    PartyOrgNotFound => "party_org_not_found",
    OrgCodeTaken => "org_code_taken",
    PartyCommitteeSeats => "party_committee_seats",
    PartyTermDates => "party_term_dates",
    PartyMemberDates => "party_member_dates",
    PartyTransferNotFound => "party_transfer_not_found",
    PartyMemberNotFound => "party_member_not_found",
    PartyNotAllowed => "party_not_allowed",
    PartyPlaceNotNewSector => "party_place_not_new_sector",
    PartyServiceHours => "party_service_hours",
    PartyServiceDay => "party_service_day",
    PartyRegistrationNotFound => "party_registration_not_found",
    RegistrationTaken => "registration_taken",
    PartyMeetingLevel => "party_meeting_level",
    PartyMeetingParent => "party_meeting_parent",
    PartyMeetingNotFound => "party_meeting_not_found",
    PartyMeetingMember => "party_meeting_member",
    PartySessionDay => "party_session_day",
    PartySessionAgenda => "party_session_agenda",
    PartySessionNotFound => "party_session_not_found",
    PartyDecisionNotFound => "party_decision_not_found",
    PartyDecisionTitle => "party_decision_title",
    PartyDecisionDue => "party_decision_due",
    PartyMeetingMemberTaken => "party_meeting_member_taken",
    PartyRegistrationPosts => "party_registration_posts",
    PartyRegistrationRegion => "party_registration_region",
    BranchKindUnknown => "branch_kind_unknown",
    BranchCode => "branch_code",
    BranchName => "branch_name",
    BranchLimits => "branch_limits",
    BranchDuplicate => "branch_duplicate",
    BranchTooMany => "branch_too_many",
    BranchMember => "branch_member",
    BranchChoice => "branch_choice",
    BranchUnknown => "branch_unknown",
    BranchChoiceTwice => "branch_choice_twice",
    BranchHomeKind => "branch_home_kind",
    BranchHomeMissing => "branch_home_missing",
    BranchInfeasible => "branch_infeasible",
    ElectionSeats => "election_seats",
    ElectionNumbers => "election_numbers",
    ElectionNoBallots => "election_no_ballots",
    ElectionBallot => "election_ballot",
    ElectionQuorum => "election_quorum",
    ElectionOverIssued => "election_over_issued",
    BranchRoundState => "branch_round_state",
    BranchNotInRound => "branch_not_in_round",
    ElectionRoundOrder => "election_round_order",
    BranchFormNotFound => "branch_form_not_found",
    BranchRoundNotFound => "branch_round_not_found",
    BranchElectionNotFound => "branch_election_not_found",
    BranchStepNotFound => "branch_step_not_found",
    BranchTaken => "branch_taken",
    ElectionRoundTaken => "election_round_taken",
    // regional cooperation
    CoopCategoryUnknown => "coop_category_unknown",
    CoopUnitKindUnknown => "coop_unit_kind_unknown",
    CoopCapacityUnitUnknown => "coop_capacity_unit_unknown",
    CoopCapacity => "coop_capacity",
    CoopCommitmentExceeds => "coop_commitment_exceeds",
    CoopWindowOrder => "coop_window_order",
    CoopProjectStatusUnknown => "coop_project_status_unknown",
    CoopProjectTransition => "coop_project_transition",
    CoopDropReason => "coop_drop_reason",
    CoopRating => "coop_rating",
    CoopRatingNotDone => "coop_rating_not_done",
    CoopPairKindUnknown => "coop_pair_kind_unknown",
    CoopActivityFull => "coop_activity_full",
    CoopCheckedInTwice => "coop_checked_in_twice",
    CoopActivityTimes => "coop_activity_times",
    CoopUnitNotFound => "coop_unit_not_found",
    CoopNeedNotFound => "coop_need_not_found",
    CoopResourceNotFound => "coop_resource_not_found",
    CoopProjectNotFound => "coop_project_not_found",
    CoopUrgencyUnknown => "coop_urgency_unknown",
    CoopUnitUnknown => "coop_unit_unknown",
    CoopNeedUnknown => "coop_need_unknown",
    CoopResourceUnknown => "coop_resource_unknown",
    CoopNotAllowed => "coop_not_allowed",
    CoopTeamNotFound => "coop_team_not_found",
    CoopActivityNotFound => "coop_activity_not_found",
    CoopSignupNotFound => "coop_signup_not_found",
    CoopCheckInWindow => "coop_check_in_window",
    CoopVolunteerLinkNotFound => "coop_volunteer_link_not_found",
    CoopPairNotFound => "coop_pair_not_found",
    CoopCallupNotFound => "coop_callup_not_found",
    CoopPostNotFound => "coop_post_not_found",
    CoopAnswerNotFound => "coop_answer_not_found",
    CoopCallupClosed => "coop_callup_closed",
    CoopVisitDays => "coop_visit_days",
    // assessment
    AssessSubjectKindUnknown => "assess_subject_kind_unknown",
    AssessPeriodKindUnknown => "assess_period_kind_unknown",
    AssessPeriodCode => "assess_period_code",
    AssessRaterUnknown => "assess_rater_unknown",
    AssessIndicatorUnknown => "assess_indicator_unknown",
    AssessIndicatorTwice => "assess_indicator_twice",
    AssessIndicatorName => "assess_indicator_name",
    AssessWeightsSum => "assess_weights_sum",
    AssessScoreRange => "assess_score_range",
    AssessCommentMissing => "assess_comment_missing",
    AssessAppealGroundUnknown => "assess_appeal_ground_unknown",
    AssessAppealStateUnknown => "assess_appeal_state_unknown",
    AssessAppealReason => "assess_appeal_reason",
    AssessAppealDecided => "assess_appeal_decided",
    AssessAppealNotCounted => "assess_appeal_not_counted",
    AssessAppealTwice => "assess_appeal_twice",
    AssessPeriodClosed => "assess_period_closed",
    AssessPeriodExists => "assess_period_exists",
    AssessPeriodNotFound => "assess_period_not_found",
    AssessSubjectNotFound => "assess_subject_not_found",
    AssessAppealNotFound => "assess_appeal_not_found",
    AssessNotAllowed => "assess_not_allowed",
    // the 15-minute circle
    CircleTypeUnknown => "circle_type_unknown",
    CircleThreshold => "circle_threshold",
    CircleNetworkJson => "circle_network_json",
    CircleNetworkEmpty => "circle_network_empty",
    CircleNetworkCoordinates => "circle_network_coordinates",
    CircleNetworkOutside => "circle_network_outside",
    CircleNetworkSelfCrossing => "circle_network_self_crossing",
    CircleNotAllowed => "circle_not_allowed",
    CircleTypeNotFound => "circle_type_not_found",
    // the street's say over the departments (征询·会商·会签)
    ConsultKindUnknown => "consult_kind_unknown",
    ConsultStageUnknown => "consult_stage_unknown",
    ConsultOpinionUnknown => "consult_opinion_unknown",
    ConsultOutcomeUnknown => "consult_outcome_unknown",
    ConsultReasons => "consult_reasons",
    ConsultRoundOrder => "consult_round_order",
    ConsultDepartmentNotFound => "consult_department_not_found",
    ConsultMatterNotFound => "consult_matter_not_found",
    ConsultRoundNotFound => "consult_round_not_found",
    ConsultDocumentNotFound => "consult_document_not_found",
    ConsultDocumentMissing => "consult_document_missing",
    ConsultDocumentType => "consult_document_type",
    ConsultDocumentTooLarge => "consult_document_too_large",
    ConsultConcluded => "consult_concluded",
}

impl Code {
    /// The message key of the code's translation, `error-<code>`.
    pub fn key(self) -> String {
        format!("error-{}", self.as_str())
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{s} is not snake_case"
            );
            assert_eq!(Code::parse(s), Some(*c));
            assert_eq!(c.key(), format!("error-{s}"));
        }
        assert_eq!(Code::parse("no_such_code"), None);
    }
}
