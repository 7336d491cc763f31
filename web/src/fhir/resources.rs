//! Hand-written FHIR R4 (4.0.1) resources: just the elements a lab report needs, serialised as
//! valid R4 JSON (camelCase, absent elements omitted).
//!
//! Profiles: `meta.profile` is left empty on purpose. The VN Core IG has a lab Observation
//! profile (`http://fhir.hl7.org.vn/core/StructureDefinition/vn-core-observation-lab`), but it is
//! a draft (0.x, "for community review") whose must-support elements and bindings this server
//! has not been validated against; claiming a profile we do not meet would mislead validators.
//! The resources follow the base R4 resources and the LOINC/UCUM bindings VN Core asks for, so
//! adding the claim later is a one-line change once validated.

use serde::Serialize;

/// `http://loinc.org`.
pub const LOINC: &str = "http://loinc.org";
/// `http://unitsofmeasure.org`.
pub const UCUM: &str = "http://unitsofmeasure.org";
/// The lab's own test codes.
pub const LIS_TEST_CODES: &str = "urn:lis:test-code";
/// The HIS's patient ids.
pub const HIS_PATIENT_IDS: &str = "urn:lis:his-patient-id";
/// The HIS's placer order numbers.
pub const HIS_PLACER_NUMBERS: &str = "urn:lis:placer-number";
/// The LIS accession numbers.
pub const LIS_ACCESSIONS: &str = "urn:lis:accession";
/// HL7 v3 observation interpretation codes.
pub const INTERPRETATION: &str =
    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
/// Observation categories.
pub const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
/// HL7 v2 table 0074 (diagnostic service section).
pub const V2_0074: &str = "http://terminology.hl7.org/CodeSystem/v2-0074";

/// A code.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coding {
    /// Code system.
    pub system: String,
    /// Code.
    pub code: String,
    /// Display text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Coding {
    /// A coding.
    pub fn new(system: &str, code: &str, display: Option<&str>) -> Self {
        Self {
            system: system.to_owned(),
            code: code.to_owned(),
            display: display.map(str::to_owned),
        }
    }
}

/// A concept with codings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeableConcept {
    /// The codings (none: the text alone; FHIR allows no empty array).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    /// Plain text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// A reference to another resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reference {
    /// `Type/id` (empty for a display-only reference, then omitted).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reference: String,
    /// Display text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// An identifier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Identifier {
    /// The namespace.
    pub system: String,
    /// The value.
    pub value: String,
}

/// A measured amount.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quantity {
    /// The number.
    pub value: f64,
    /// `<`, `<=`, `>=`, `>` for censored values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparator: Option<String>,
    /// Unit as shown.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub unit: String,
    /// UCUM, when there is a unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// UCUM code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// Resource metadata (FHIR R4 resource.html §2.1.27.5.5 Meta).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// The version: set when the resource is served, from a digest of what it says
    /// (`fhir::version`), so it changes exactly when the served content changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// When last changed: the release time of results and reports, the latest audited change
    /// of patients and orders.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
}

/// A reference range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferenceRange {
    /// Lower limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low: Option<Quantity>,
    /// Upper limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high: Option<Quantity>,
    /// As text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// A human name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HumanName {
    /// The full name as written.
    pub text: String,
    /// Family name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Given names (middle then given, Vietnamese order).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub given: Vec<String>,
}

/// Patient.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    /// Always `Patient`.
    pub resource_type: &'static str,
    /// Id.
    pub id: String,
    /// Metadata.
    pub meta: Meta,
    /// The HIS id.
    pub identifier: Vec<Identifier>,
    /// Name.
    pub name: Vec<HumanName>,
    /// `male`, `female`, `unknown`.
    pub gender: &'static str,
    /// `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
}

/// Observation: one released result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    /// Always `Observation`.
    pub resource_type: &'static str,
    /// Id (the result version id).
    pub id: String,
    /// Metadata.
    pub meta: Meta,
    /// `final` or `corrected`.
    pub status: &'static str,
    /// `laboratory`.
    pub category: Vec<CodeableConcept>,
    /// LOINC and the lab's code.
    pub code: CodeableConcept,
    /// The patient.
    pub subject: Reference,
    /// The order.
    pub based_on: Vec<Reference>,
    /// When measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<String>,
    /// When released.
    pub issued: String,
    /// A numeric value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_quantity: Option<Quantity>,
    /// A text value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    /// A coded value: a microbiology isolate's organism.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_codeable_concept: Option<CodeableConcept>,
    /// Abnormal flags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interpretation: Vec<CodeableConcept>,
    /// Reference range for this patient.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reference_range: Vec<ReferenceRange>,
    /// The analyzer's supplementary values (RLU, cut-off index, Ct...), one component each;
    /// for an isolate also one per antibiotic of its panel (`super::microbiology`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub component: Vec<ObservationComponent>,
}

/// A supplementary value of an Observation: named as the analyzer names it (no standard code
/// exists for an RLU or a probe's Ct), a number with its unit as sent, or the text; or an
/// antibiotic of an isolate's panel, its MIC and interpretation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservationComponent {
    /// The analyzer's name for the value, as text.
    pub code: CodeableConcept,
    /// A number, with the unit as sent (not UCUM, so no system).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_quantity: Option<Quantity>,
    /// Anything else, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    /// An antibiotic's S / I / R.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interpretation: Vec<CodeableConcept>,
}

/// DiagnosticReport: the released results of one order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticReport {
    /// Always `DiagnosticReport`.
    pub resource_type: &'static str,
    /// Id (the order id).
    pub id: String,
    /// Metadata.
    pub meta: Meta,
    /// Accession number.
    pub identifier: Vec<Identifier>,
    /// The order.
    pub based_on: Vec<Reference>,
    /// `partial`, `final` or `corrected`.
    pub status: &'static str,
    /// `LAB`.
    pub category: Vec<CodeableConcept>,
    /// LOINC 11502-2 Laboratory report.
    pub code: CodeableConcept,
    /// The patient.
    pub subject: Reference,
    /// Earliest measurement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<String>,
    /// Latest release.
    pub issued: String,
    /// The observations.
    pub result: Vec<Reference>,
}

/// ServiceRequest: an order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceRequest {
    /// Always `ServiceRequest`.
    pub resource_type: &'static str,
    /// Id (the order id).
    pub id: String,
    /// Metadata.
    pub meta: Meta,
    /// Placer number and accession.
    pub identifier: Vec<Identifier>,
    /// `active`, `completed` or `revoked`.
    pub status: &'static str,
    /// Always `order`.
    pub intent: &'static str,
    /// `routine` or `stat`.
    pub priority: &'static str,
    /// LOINC 26436-6 Laboratory studies (set).
    pub code: CodeableConcept,
    /// The tests asked for.
    pub order_detail: Vec<CodeableConcept>,
    /// The patient.
    pub subject: Reference,
    /// When ordered.
    pub authored_on: String,
    /// The requesting doctor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester: Option<Reference>,
}

/// One entry of a search Bundle.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry {
    /// The resource's absolute URL (`{base}/Type/id`).
    pub full_url: String,
    /// The resource.
    pub resource: serde_json::Value,
    /// `{"mode": "match"}`.
    pub search: serde_json::Value,
}

/// A link of a Bundle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BundleLink {
    /// `self`, `next` or `previous`.
    pub relation: &'static str,
    /// The URL.
    pub url: String,
}

/// A searchset Bundle.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    /// Always `Bundle`.
    pub resource_type: &'static str,
    /// Always `searchset`.
    #[serde(rename = "type")]
    pub bundle_type: &'static str,
    /// Every match of the search, on all pages (FHIR R4 search §3.1.1.5.6).
    pub total: u64,
    /// `self` (the page as served), `next` and `previous` (absolute URLs).
    pub link: Vec<BundleLink>,
    /// The matches.
    pub entry: Vec<BundleEntry>,
}

/// An OperationOutcome for errors.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationOutcome {
    /// Always `OperationOutcome`.
    pub resource_type: &'static str,
    /// The issues.
    pub issue: Vec<Issue>,
}

/// One issue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    /// `error`.
    pub severity: &'static str,
    /// `security`, `not-found`, `invalid`, `forbidden`, `exception`.
    pub code: &'static str,
    /// Text.
    pub diagnostics: String,
}
