//! The street's say over the departments (征得同意权、规划参与权、重大事项
//! 建议权, seeds 002 and 003): before a department appoints or moves the
//! head of its agency in the street, plans a scheme or public facility
//! there, or starts a major project, it asks the street — first before it
//! acts (事先征询), then while it works (事中会商), and at the end for the
//! street's signature (事后会签). Each round has its documents, a deadline
//! for the street's answer and the street's opinion with its reasons; the
//! matter ends with what the department then did. A round past its
//! deadline unanswered is flagged to the street, and the record of what
//! was answered in time and what the department followed feeds the
//! departments' assessment ([`ConsultCounts`]).

use serde::{Deserialize, Serialize};

use crate::order::figures::Rate;
use crate::{Code, InvalidValue};

coded_enum! {
    /// What the department asks about.
    MatterKind, Code::ConsultKindUnknown, "kind", "kind of matter", {
        /// 派出机构负责人任免、调整 (征得同意权).
        HeadAppointment => "head_appointment", "负责人任免" | "人事任免" | "干部任免",
        /// 规划、公共设施 (规划参与权).
        Planning => "planning", "规划" | "公共设施" | "规划设施",
        /// 重大事项、重大项目 (重大事项建议权).
        MajorProject => "major_project", "重大事项" | "重大项目",
    }
}

coded_enum! {
    /// The round of a matter.
    Stage, Code::ConsultStageUnknown, "stage", "round", {
        /// 事先征询: asked before the department acts.
        Before => "before", "事先征询" | "征询",
        /// 事中会商: consulted while it works.
        During => "during", "事中会商" | "会商",
        /// 事后会签: signed by the street at the end.
        After => "after", "事后会签" | "会签",
    }
}

impl Stage {
    /// The round after this one; `None` after the signature.
    pub fn next(self) -> Option<Stage> {
        match self {
            Stage::Before => Some(Stage::During),
            Stage::During => Some(Stage::After),
            Stage::After => None,
        }
    }
}

coded_enum! {
    /// The street's opinion on a round.
    Opinion, Code::ConsultOpinionUnknown, "opinion", "opinion", {
        /// 同意.
        Agree => "agree", "同意",
        /// 有条件同意: agreed on conditions, which are the reasons given.
        AgreeWithConditions => "agree_with_conditions", "有条件同意" | "附条件同意",
        /// 不同意.
        Disagree => "disagree", "不同意" | "反对",
    }
}

coded_enum! {
    /// What the department did in the end.
    Outcome, Code::ConsultOutcomeUnknown, "outcome", "outcome", {
        /// 采纳: it did as the street said.
        Followed => "followed", "采纳" | "已采纳",
        /// 部分采纳.
        PartlyFollowed => "partly_followed", "部分采纳",
        /// 未采纳: it went against the street's opinion.
        NotFollowed => "not_followed", "未采纳",
        /// 撤回: it dropped the matter.
        Withdrawn => "withdrawn", "撤回" | "已撤回",
    }
}

/// Days the street has to answer a round unless the request says
/// otherwise.
pub const DEFAULT_ANSWER_DAYS: u32 = 10;

/// What a round needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    pub stage: Stage,
    pub asked_at: i64,
    pub due_at: i64,
    pub answered_at: Option<i64>,
}

impl Round {
    /// Unanswered with its deadline come: flagged to the street.
    pub fn overdue(&self, now: i64) -> bool {
        self.answered_at.is_none() && self.due_at <= now
    }

    /// Answered at or before its deadline.
    pub fn answered_on_time(&self) -> bool {
        self.answered_at.is_some_and(|a| a <= self.due_at)
    }
}

/// The street's answer as given: the opinion and its reasons, which an
/// opinion other than plain agreement must have (the conditions, or why
/// not).
pub fn answer(opinion: &str, reasons: &str) -> Result<(Opinion, String), InvalidValue> {
    let opinion = Opinion::parse(opinion)?;
    let reasons = reasons.trim();
    if opinion != Opinion::Agree && reasons.is_empty() {
        return Err(InvalidValue::new(
            Code::ConsultReasons,
            "say why: the conditions of an agreement on conditions, or the reasons against",
        )
        .at("reasons"));
    }
    Ok((opinion, reasons.to_owned()))
}

/// A document attached to a round, as checked: its name and its type,
/// read from its first bytes (the name the browser sends is not trusted
/// for the type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub name: String,
    pub content_type: &'static str,
}

/// Longest document name kept, in characters.
pub const DOCUMENT_NAME_CHARS: usize = 120;

/// The type of a document from its first bytes: PDF, the Office formats
/// (OOXML `.docx`/`.xlsx`/`.pptx` are ZIP files, told apart by the
/// name; the older `.doc`/`.xls` are OLE files), PNG, JPEG, or plain
/// UTF-8 text. `None` for anything else.
fn document_type(name: &str, bytes: &[u8]) -> Option<&'static str> {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if bytes.starts_with(b"%PDF-") {
        return Some("application/pdf");
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return match ext.as_str() {
            "docx" => {
                Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            }
            "xlsx" => Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            "pptx" => {
                Some("application/vnd.openxmlformats-officedocument.presentationml.presentation")
            }
            _ => None,
        };
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return match ext.as_str() {
            "doc" => Some("application/msword"),
            "xls" => Some("application/vnd.ms-excel"),
            _ => None,
        };
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some("image/png");
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some("image/jpeg");
    }
    if ext == "txt" && std::str::from_utf8(bytes).is_ok() {
        return Some("text/plain; charset=utf-8");
    }
    None
}

/// Checks a document as uploaded: some bytes of a known type, at most
/// `max` bytes; its name without any folder the browser put before it,
/// cut to [`DOCUMENT_NAME_CHARS`] (`文件` when none was given).
pub fn document(name: &str, bytes: &[u8], max: usize) -> Result<Document, InvalidValue> {
    if bytes.is_empty() {
        return Err(InvalidValue::new(
            Code::ConsultDocumentMissing,
            "choose the document to attach",
        )
        .at("document"));
    }
    if bytes.len() > max {
        return Err(InvalidValue::new(
            Code::ConsultDocumentTooLarge,
            format!(
                "the document is {} bytes; at most {max} are taken",
                bytes.len()
            ),
        )
        .at("document"));
    }
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control())
        .take(DOCUMENT_NAME_CHARS)
        .collect();
    let name = if clean.is_empty() {
        "文件".to_owned()
    } else {
        clean
    };
    let content_type = document_type(&name, bytes).ok_or_else(|| {
        InvalidValue::new(
            Code::ConsultDocumentType,
            format!("{name:?} is not a PDF, Word, Excel, PowerPoint, PNG, JPEG or text file"),
        )
        .at("document")
    })?;
    Ok(Document { name, content_type })
}

/// Whether a new round `next` may follow the rounds so far: in order, one
/// at a time, each after the street answered the one before.
pub fn may_open(rounds: &[Round], next: Stage) -> Result<(), InvalidValue> {
    let wrong = |why: String| InvalidValue::new(Code::ConsultRoundOrder, why).at("stage");
    match rounds.last() {
        None if next == Stage::Before => Ok(()),
        None => Err(wrong(format!(
            "a matter starts with 事先征询 (before), not {}",
            next.zh()
        ))),
        Some(last) if last.answered_at.is_none() => Err(wrong(format!(
            "the street has not answered the {} round yet",
            last.stage.zh()
        ))),
        Some(last) if last.stage.next() == Some(next) => Ok(()),
        Some(last) => Err(wrong(format!(
            "after {} comes {}, not {}",
            last.stage.zh(),
            last.stage.next().map_or("nothing", |s| s.zh()),
            next.zh()
        ))),
    }
}

/// The record of a department's matters: rounds asked and answered by the
/// street in time (the street's own record, shown on the consult page),
/// and matters concluded and followed (what the department's assessment
/// reads, [`ConsultCounts::followed_rate`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsultCounts {
    /// Rounds the department asked whose deadline came or that were
    /// answered.
    pub rounds_judged: i64,
    pub answered_on_time: i64,
    /// Matters with an outcome other than withdrawn.
    pub concluded: i64,
    /// Of those, followed or partly followed.
    pub followed: i64,
}

impl ConsultCounts {
    pub fn add_round(&mut self, r: &Round, now: i64) {
        if r.answered_at.is_some() || r.due_at <= now {
            self.rounds_judged += 1;
            self.answered_on_time += i64::from(r.answered_on_time());
        }
    }

    /// 征询采纳率: matters concluded followed or partly followed, over
    /// matters concluded (a withdrawn one is not judged).
    pub fn followed_rate(&self) -> Rate {
        Rate::new(self.followed, self.concluded)
    }

    /// The street's answers in time, over rounds judged.
    pub fn answered_rate(&self) -> Rate {
        Rate::new(self.answered_on_time, self.rounds_judged)
    }

    pub fn add_outcome(&mut self, o: Outcome) {
        if o != Outcome::Withdrawn {
            self.concluded += 1;
            self.followed += i64::from(matches!(o, Outcome::Followed | Outcome::PartlyFollowed));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    fn round(stage: Stage, answered: Option<i64>) -> Round {
        Round {
            stage,
            asked_at: 0,
            due_at: 10 * DAY,
            answered_at: answered,
        }
    }

    #[test]
    fn rounds_go_in_order_each_after_an_answer() {
        assert!(may_open(&[], Stage::Before).is_ok());
        assert_eq!(
            may_open(&[], Stage::After).expect_err("skip").code,
            Code::ConsultRoundOrder
        );
        let waiting = [round(Stage::Before, None)];
        assert!(
            may_open(&waiting, Stage::During)
                .expect_err("unanswered")
                .message
                .contains("not answered")
        );
        let answered = [round(Stage::Before, Some(DAY))];
        assert!(may_open(&answered, Stage::During).is_ok());
        assert!(
            may_open(&answered, Stage::After).is_err(),
            "no skipping 会商"
        );
        let all = [
            round(Stage::Before, Some(DAY)),
            round(Stage::During, Some(DAY)),
            round(Stage::After, Some(DAY)),
        ];
        assert!(
            may_open(&all, Stage::Before).is_err(),
            "signed: nothing follows"
        );
    }

    #[test]
    fn an_opinion_against_or_on_conditions_says_why() {
        assert_eq!(answer("同意", "").expect("agree").0, Opinion::Agree);
        let e = answer("disagree", "  ").expect_err("no reasons");
        assert_eq!((e.code, e.field()), (Code::ConsultReasons, Some("reasons")));
        let (o, why) = answer("有条件同意", " 拿出10%面积给居民 ").expect("conditions");
        assert_eq!(
            (o, why.as_str()),
            (Opinion::AgreeWithConditions, "拿出10%面积给居民")
        );
        assert_eq!(
            answer("maybe", "x").expect_err("unknown").code,
            Code::ConsultOpinionUnknown
        );
    }

    #[test]
    fn a_document_is_known_by_its_bytes_and_keeps_its_bare_name() {
        let pdf = document("C:\\材料\\方案.pdf", b"%PDF-1.7 ...", 100).expect("pdf");
        assert_eq!(
            (pdf.name.as_str(), pdf.content_type),
            ("方案.pdf", "application/pdf")
        );
        let docx = document("人选.DOCX", b"PK\x03\x04rest", 100).expect("docx");
        assert!(docx.content_type.contains("wordprocessingml"));
        for (name, bytes, code) in [
            ("a.zip", &b"PK\x03\x04rest"[..], Code::ConsultDocumentType),
            ("a.exe", b"MZ\x90\x00", Code::ConsultDocumentType),
            ("a.pdf.txt", b"\xff\xfe bad utf8", Code::ConsultDocumentType),
            ("a.pdf", b"", Code::ConsultDocumentMissing),
            ("a.pdf", &[b'%'; 101][..], Code::ConsultDocumentTooLarge),
        ] {
            let e = document(name, bytes, 100).expect_err(name);
            assert_eq!((e.code, e.field()), (code, Some("document")), "{name}");
        }
        assert_eq!(document("", b"%PDF-", 100).expect("unnamed").name, "文件");
        let long = format!("{}.pdf", "长".repeat(200));
        assert_eq!(
            document(&long, b"%PDF-", 100)
                .expect("long")
                .name
                .chars()
                .count(),
            DOCUMENT_NAME_CHARS
        );
    }

    #[test]
    fn a_round_unanswered_past_its_deadline_is_overdue_and_counts_against() {
        let waiting = round(Stage::Before, None);
        assert!(!waiting.overdue(10 * DAY - 1));
        assert!(waiting.overdue(10 * DAY), "due at its very millisecond");
        let late = round(Stage::During, Some(11 * DAY));
        let on_time = round(Stage::After, Some(10 * DAY));
        let mut c = ConsultCounts::default();
        for r in [&waiting, &late, &on_time] {
            c.add_round(r, 9 * DAY);
        }
        assert_eq!(
            (c.rounds_judged, c.answered_on_time),
            (2, 1),
            "the waiting one is not yet judged"
        );
        c.add_round(&waiting, 10 * DAY);
        assert_eq!(c.rounds_judged, 3);
        for o in [
            Outcome::Followed,
            Outcome::NotFollowed,
            Outcome::Withdrawn,
            Outcome::PartlyFollowed,
        ] {
            c.add_outcome(o);
        }
        assert_eq!((c.concluded, c.followed), (3, 2));
        assert_eq!(c.followed_rate(), Rate::new(2, 3));
        assert_eq!(c.answered_rate(), Rate::new(1, 3));
    }
}
