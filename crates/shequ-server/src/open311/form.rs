//! Reading `application/x-www-form-urlencoded` bodies and query strings
//! the Open311 way: repeated and comma-separated values, empty values as
//! absent, and `attribute[code]=v` / `attribute[code][]=v` answers.

use std::collections::BTreeMap;

use crate::open311::errors::Problem;
use shequ_domain::Code;

/// The name/value pairs of a form or query string, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pairs(Vec<(String, String)>);

impl Pairs {
    /// Parses a query string; bytes that are not UTF-8 become U+FFFD.
    pub fn parse_lossy(query: &str) -> Self {
        Pairs(
            url::form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// Parses a form body strictly: the spec says every text is UTF-8, and
    /// a body that is not is refused rather than silently altered.
    pub fn parse_strict(body: &[u8]) -> Result<Self, Problem> {
        let mut pairs = Vec::new();
        for part in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            let (k, v) = match part.iter().position(|b| *b == b'=') {
                Some(i) => (&part[..i], &part[i + 1..]),
                None => (part, &b""[..]),
            };
            let text = |raw: &[u8]| -> Result<String, Problem> {
                let replaced: Vec<u8> = raw
                    .iter()
                    .map(|b| if *b == b'+' { b' ' } else { *b })
                    .collect();
                let bytes: Vec<u8> = percent_decode(&replaced);
                String::from_utf8(bytes).map_err(|_| Problem::bad(Code::Open311FormNotUtf8))
            };
            pairs.push((text(k)?, text(v)?));
        }
        Ok(Pairs(pairs))
    }

    /// The first non-empty value of `name`.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// The one value of a single-valued argument; sending it twice with
    /// different values is an error rather than a guess.
    pub fn single(&self, name: &str) -> Result<Option<&str>, Problem> {
        let mut values = self
            .0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.as_str());
        let first = values.next();
        if values.any(|v| Some(v) != first) {
            return Err(Problem::bad(Code::Open311ParamRepeated).with("field", name));
        }
        Ok(first)
    }

    /// Every value of a list argument: repeated and comma-separated,
    /// trimmed, empty ones left out.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The `attribute[code]` and `attribute[code][]` answers, by code.
    pub fn attributes(&self) -> Result<BTreeMap<String, Vec<String>>, Problem> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in &self.0 {
            let Some(rest) = k.strip_prefix("attribute[") else {
                continue;
            };
            let code = rest
                .strip_suffix("][]")
                .or_else(|| rest.strip_suffix(']'))
                .filter(|c| !c.is_empty() && !c.contains(['[', ']']));
            let Some(code) = code else {
                return Err(Problem::bad(Code::Open311AttributeParam).with("param", k));
            };
            out.entry(code.to_owned()).or_default().push(v.clone());
        }
        Ok(out)
    }
}

fn percent_decode(raw: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%'
            && let (Some(h), Some(l)) = (
                raw.get(i + 1).copied().and_then(hex),
                raw.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_plus_and_percent_escapes() {
        let p =
            Pairs::parse_strict(b"description=A+large%20hole&lat=31.17&x=%zz&flag").expect("ok");
        assert_eq!(p.first("description"), Some("A large hole"));
        assert_eq!(p.first("x"), Some("%zz"));
        assert_eq!(p.first("flag"), None);
        let zh = Pairs::parse_strict("d=%E6%A5%BC%E9%81%93".as_bytes()).expect("ok");
        assert_eq!(zh.first("d"), Some("楼道"));
    }

    #[test]
    fn a_body_that_is_not_utf8_is_refused() {
        assert!(Pairs::parse_strict(b"description=%FF%FE").is_err());
        assert!(Pairs::parse_strict(b"description=\xff").is_err());
    }

    #[test]
    fn single_values_lists_and_attributes() {
        let p = Pairs::parse_strict(
            b"service_code=a&service_code=a&status=open&status=closed,open&attribute[n]=1&attribute%5Bm%5D%5B%5D=x&attribute[m][]=y",
        )
        .expect("ok");
        assert_eq!(p.single("service_code").expect("same twice"), Some("a"));
        assert_eq!(p.list("status"), ["open", "closed", "open"]);
        let a = p.attributes().expect("attributes");
        assert_eq!(a["n"], ["1"]);
        assert_eq!(a["m"], ["x", "y"]);
        let twice = Pairs::parse_strict(b"service_code=a&service_code=b").expect("ok");
        assert!(twice.single("service_code").is_err());
        for bad in ["attribute[]=1", "attribute[a=1", "attribute[a][b]=1"] {
            let p = Pairs::parse_strict(bad.as_bytes()).expect("ok");
            assert!(p.attributes().is_err(), "{bad}");
        }
    }
}
