//! Residents' attributes: identity numbers and phones (validated, masked on
//! read), gender, residency status and care tags.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{Code, InvalidValue};

/// Gender as recorded in the household register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }

    /// Accepts `male`/`female`, `m`/`f` and 男/女.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        match s.trim().to_ascii_lowercase().as_str() {
            "male" | "m" | "男" => Ok(Gender::Male),
            "female" | "f" | "女" => Ok(Gender::Female),
            other => Err(InvalidValue::new(
                Code::GenderUnknown,
                format!("unknown gender {other:?}; use male or female (男/女)"),
            )),
        }
    }
}

/// Whether a resident holds the local household registration (户籍) or is a
/// migrant (来沪/流动人口).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Residency {
    Registered,
    Migrant,
    /// Lives elsewhere and only works in the street (a party member of a
    /// firm or office building here): held in the registry so they can be
    /// a member, masked like everyone, and not counted among residents.
    NonResident,
}

impl Residency {
    pub fn as_str(self) -> &'static str {
        match self {
            Residency::Registered => "registered",
            Residency::Migrant => "migrant",
            Residency::NonResident => "non_resident",
        }
    }

    /// Accepts `registered`/`migrant`/`non_resident` and 户籍/流动/外来/来沪/
    /// 在辖区工作.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        match s.trim() {
            "registered" | "户籍" | "本地" => Ok(Residency::Registered),
            "migrant" | "流动" | "外来" | "来沪" | "流动人口" => Ok(Residency::Migrant),
            "non_resident" | "非居民" | "在辖区工作" | "辖区工作" => {
                Ok(Residency::NonResident)
            }
            other => Err(InvalidValue::new(
                Code::ResidencyUnknown,
                format!(
                    "unknown residency {other:?}; use registered, migrant or non_resident (户籍/流动/在辖区工作)"
                ),
            )),
        }
    }
}

/// A care tag on a resident. The well-known tags drive rules (the welfare
/// alert watches `elderly_living_alone`); streets may add their own.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CareTag(String);

impl CareTag {
    pub const ELDERLY_LIVING_ALONE: &'static str = "elderly_living_alone";
    pub const DISABLED: &'static str = "disabled";
    pub const LOW_INCOME: &'static str = "low_income";

    /// Accepts 1–40 characters of letters (any script), digits, `_` or `-`;
    /// the Chinese names of the well-known tags map to their codes.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let s = s.trim();
        let canonical = match s {
            "独居老人" | "孤寡老人" => Self::ELDERLY_LIVING_ALONE,
            "残疾" | "残疾人" => Self::DISABLED,
            "低保" | "低收入" => Self::LOW_INCOME,
            other => other,
        };
        if canonical.is_empty() || canonical.chars().count() > 40 {
            return Err(InvalidValue::new(
                Code::CareTagInvalid,
                format!("care tag {s:?} must have 1 to 40 characters"),
            ));
        }
        if !canonical
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            return Err(InvalidValue::new(
                Code::CareTagInvalid,
                format!("care tag {s:?} may contain only letters, digits, '_' and '-'"),
            ));
        }
        Ok(Self(canonical.to_owned()))
    }

    /// Parses a list separated by `;`, `,`, `|` or the Chinese `；`/`，`/`、`.
    pub fn parse_list(s: &str) -> Result<Vec<Self>, InvalidValue> {
        let mut tags: Vec<CareTag> = s
            .split([';', ',', '|', '；', '，', '、'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(Self::parse)
            .collect::<Result<_, _>>()?;
        tags.sort();
        tags.dedup();
        Ok(tags)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CareTag {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<CareTag> for String {
    fn from(t: CareTag) -> String {
        t.0
    }
}

/// A PRC resident identity number (18 characters, GB 11643 checksum).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdentityNumber(String);

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: [u8; 11] = *b"10X98765432";

impl IdentityNumber {
    /// Validates length, digits, the embedded birth date and the checksum.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let s = s.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18 {
            return Err(InvalidValue::new(
                Code::IdentityNumberLength,
                format!(
                    "identity number must have 18 characters, found {}",
                    s.chars().count()
                ),
            ));
        }
        if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(InvalidValue::new(
                Code::IdentityNumberDigits,
                "identity number must be 17 digits followed by a digit or X",
            ));
        }
        if Self::birth_date_of(&s).is_none() {
            return Err(InvalidValue::new(
                Code::IdentityNumberBirthDate,
                format!(
                    "identity number carries an impossible birth date {}",
                    &s[6..14]
                ),
            ));
        }
        if b[17] != Self::check_char(&b[..17]) {
            return Err(InvalidValue::new(
                Code::IdentityNumberChecksum,
                "identity number checksum does not match; check for a mistyped digit",
            ));
        }
        Ok(Self(s))
    }

    /// Builds a valid number from its first 17 digits (used by the demo).
    pub fn from_body(body: &str) -> Result<Self, InvalidValue> {
        if body.len() != 17 || !body.bytes().all(|c| c.is_ascii_digit()) {
            return Err(InvalidValue::new(
                Code::IdentityNumberDigits,
                "identity number body must be 17 digits",
            ));
        }
        let check = Self::check_char(body.as_bytes()) as char;
        Self::parse(&format!("{body}{check}"))
    }

    fn check_char(body: &[u8]) -> u8 {
        let sum: u32 = body
            .iter()
            .zip(ID_WEIGHTS)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        ID_CHECK[(sum % 11) as usize]
    }

    fn birth_date_of(s: &str) -> Option<NaiveDate> {
        let y = s.get(6..10)?.parse().ok()?;
        let m = s.get(10..12)?.parse().ok()?;
        let d = s.get(12..14)?.parse().ok()?;
        NaiveDate::from_ymd_opt(y, m, d).filter(|date| date.year() >= 1880)
    }

    /// The birth date the number encodes.
    pub fn birth_date(&self) -> NaiveDate {
        // Checked in `parse`, so the fallback is unreachable.
        Self::birth_date_of(&self.0).unwrap_or_default()
    }

    /// The gender the number encodes (odd 17th digit: male).
    pub fn gender(&self) -> Gender {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// The full number. Only call this for a viewer allowed to see it, and
    /// record the read in the access log.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `310***********1234`: the region prefix and the last four remain.
    pub fn masked(&self) -> String {
        mask_middle(&self.0)
    }
}

/// Masks a stored identity number or phone for display: the first three
/// and last four characters remain (`310***********1234`, `138****1234`).
/// Works on any string so that legacy values that fail validation are still
/// never shown in full.
pub fn mask_middle(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    if n <= 7 {
        return "*".repeat(n);
    }
    let mut out: String = chars[..3].iter().collect();
    out.push_str(&"*".repeat(n - 7));
    out.extend(&chars[n - 4..]);
    out
}

impl fmt::Debug for IdentityNumber {
    // Debug output ends up in logs; never write the full number there.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdentityNumber({})", self.masked())
    }
}

impl TryFrom<String> for IdentityNumber {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<IdentityNumber> for String {
    fn from(i: IdentityNumber) -> String {
        i.0
    }
}

/// A phone number: a mainland mobile (11 digits starting with 1) or a
/// landline with area code (e.g. `021-64871234`).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Strips spaces and a `+86` prefix, then checks the shape.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let cleaned: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        let cleaned = cleaned
            .strip_prefix("+86")
            .or_else(|| cleaned.strip_prefix("0086"))
            .unwrap_or(&cleaned)
            .trim_start_matches('-')
            .to_owned();
        let digits_only = cleaned.bytes().all(|b| b.is_ascii_digit());
        let mobile = digits_only && cleaned.len() == 11 && cleaned.starts_with('1');
        let landline = {
            let (area, rest) = cleaned.split_once('-').unwrap_or(("", &cleaned));
            let area_ok = area.is_empty()
                || (area.starts_with('0') && (3..=4).contains(&area.len()))
                    && area.bytes().all(|b| b.is_ascii_digit());
            area_ok
                && (7..=8).contains(&rest.len())
                && rest.bytes().all(|b| b.is_ascii_digit())
                && !area.is_empty()
        };
        if mobile || landline {
            Ok(Self(cleaned))
        } else {
            Err(InvalidValue::new(
                Code::PhoneInvalid,
                format!("{s:?} is not a phone number; use 11 mobile digits or area-code-number"),
            ))
        }
    }

    /// The full number; reads must be logged like identity numbers.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `138****1234`.
    pub fn masked(&self) -> String {
        mask_middle(&self.0)
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.0
    }
}

/// Age in whole years on `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    on.years_since(birth).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn identity_number_checksum_and_fields() {
        // A textbook example number with a valid checksum.
        let id = IdentityNumber::parse("11010519491231002X").expect("valid");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).expect("date")
        );
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(id.masked(), "110***********002X");
        assert_eq!(format!("{id:?}"), "IdentityNumber(110***********002X)");
        let err = IdentityNumber::parse("110105194912310021").expect_err("bad checksum");
        assert_eq!(err.code, "identity_number_checksum");
        assert_eq!(
            IdentityNumber::parse("110105194902300021")
                .expect_err("Feb 30")
                .code,
            "identity_number_birth_date"
        );
        assert_eq!(
            IdentityNumber::parse("123").expect_err("short").code,
            "identity_number_length"
        );
    }

    #[test]
    fn phone_shapes_and_masking() {
        let p = PhoneNumber::parse("+86 138 0013 8000").expect("mobile");
        assert_eq!(p.expose(), "13800138000");
        assert_eq!(p.masked(), "138****8000");
        assert!(PhoneNumber::parse("021-64871234").is_ok());
        assert!(PhoneNumber::parse("23800138000").is_err());
        assert!(PhoneNumber::parse("hello").is_err());
    }

    #[test]
    fn care_tags_accept_chinese_names_and_dedupe() {
        let tags = CareTag::parse_list("独居老人；low_income, 低保").expect("valid");
        let names: Vec<&str> = tags.iter().map(CareTag::as_str).collect();
        assert_eq!(names, ["elderly_living_alone", "low_income"]);
        assert!(CareTag::parse("has space").is_err());
    }

    proptest! {
        /// Any 17-digit body with a valid date yields a number that parses
        /// back, and changing one body digit always breaks the checksum.
        #[test]
        fn checksum_catches_single_digit_errors(
            region in 110000u32..660000, y in 1900i32..2025, m in 1u32..13, d in 1u32..29,
            seq in 0u32..1000, pos in 0usize..17, delta in 1u8..10,
        ) {
            let body = format!("{region:06}{y:04}{m:02}{d:02}{seq:03}");
            let id = IdentityNumber::from_body(&body).expect("valid body");
            prop_assert_eq!(IdentityNumber::parse(id.expose()), Ok(id.clone()));
            let mut bytes = id.expose().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).expect("ascii");
            prop_assert!(IdentityNumber::parse(&changed).is_err());
        }

        #[test]
        fn masking_never_reveals_the_middle(s in "[0-9]{8,20}") {
            let m = mask_middle(&s);
            prop_assert_eq!(m.chars().count(), s.chars().count());
            prop_assert_eq!(&m[..3], &s[..3]);
            prop_assert!(m[3..m.len() - 4].chars().all(|c| c == '*'));
        }
    }
}

/// A personal value (identity number, phone) that serialises and prints
/// masked. Getting the full value takes an explicit [`Sensitive::reveal`],
/// which callers pair with an access-log entry; forgetting to mask is
/// therefore impossible, and forgetting to log is visible in review.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Sensitive(String);

impl Sensitive {
    /// The full value. Log the read.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// The masked form shown by default.
    pub fn masked(&self) -> String {
        mask_middle(&self.0)
    }
}

impl From<String> for Sensitive {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sensitive({})", self.masked())
    }
}

impl Serialize for Sensitive {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.masked())
    }
}
