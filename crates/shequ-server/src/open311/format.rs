//! Rendering Open311 answers as JSON or XML from one tree. The spec's JSON
//! is a mapping of its XML (the Spark convention): a list is a JSON array
//! and, in XML, an element holding one child element per item, named for
//! the item (`<services><service>…`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;

/// The formats the path's extension can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// Splits `name.ext` into the name and its format. `None` when the
    /// extension is missing or unknown.
    pub fn split(file: &str) -> (&str, Option<Format>) {
        match file.rsplit_once('.') {
            Some((stem, "json")) => (stem, Some(Format::Json)),
            Some((stem, "xml")) => (stem, Some(Format::Xml)),
            Some((stem, _)) => (stem, None),
            None => (file, None),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "text/xml; charset=utf-8",
        }
    }
}

/// A value in an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    /// Items, each an XML element named by the tag.
    List(&'static str, Vec<Node>),
    /// Fields in order.
    Map(Vec<(&'static str, Node)>),
}

impl Node {
    /// A text, or null when empty (Open311 leaves unknown fields null).
    pub fn text_or_null(s: &str) -> Node {
        if s.trim().is_empty() {
            Node::Null
        } else {
            Node::Text(s.to_owned())
        }
    }

    pub fn opt_text(s: Option<String>) -> Node {
        s.map_or(Node::Null, Node::Text)
    }

    pub fn opt_float(x: Option<f64>) -> Node {
        x.map_or(Node::Null, Node::Float)
    }

    /// The JSON form.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Int(i) => Value::from(*i),
            Node::Float(x) => serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number),
            Node::Text(s) => Value::String(s.clone()),
            Node::List(_, items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Node::Map(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// The XML document with `root` as its outer element.
    pub fn to_xml(&self, root: &str) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        write_xml(&mut out, root, self, 0);
        out
    }
}

/// JSON in the order the fields were given (the spec's order), which a
/// `serde_json::Value` would sort.
impl serde::Serialize for Node {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Node::Null => s.serialize_unit(),
            Node::Bool(b) => s.serialize_bool(*b),
            Node::Int(i) => s.serialize_i64(*i),
            Node::Float(x) if x.is_finite() => s.serialize_f64(*x),
            Node::Float(_) => s.serialize_unit(),
            Node::Text(t) => s.serialize_str(t),
            Node::List(_, items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for it in items {
                    seq.serialize_element(it)?;
                }
                seq.end()
            }
            Node::Map(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// Escapes text for XML, dropping characters XML 1.0 cannot carry at all
/// (most control characters), which a JSON string may hold.
pub fn xml_escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn write_xml(out: &mut String, tag: &str, node: &Node, depth: usize) {
    indent(out, depth);
    let simple = |out: &mut String, text: &str| {
        out.push('<');
        out.push_str(tag);
        out.push('>');
        xml_escape(text, out);
        out.push_str("</");
        out.push_str(tag);
        out.push_str(">\n");
    };
    match node {
        Node::Null => {
            out.push('<');
            out.push_str(tag);
            out.push_str("/>\n");
        }
        Node::Bool(b) => simple(out, if *b { "true" } else { "false" }),
        Node::Int(i) => simple(out, &i.to_string()),
        Node::Float(x) => simple(out, &x.to_string()),
        Node::Text(s) => simple(out, s),
        Node::List(item, items) => {
            open(out, tag);
            for it in items {
                write_xml(out, item, it, depth + 1);
            }
            close(out, tag, depth);
        }
        Node::Map(fields) => {
            open(out, tag);
            for (k, v) in fields {
                write_xml(out, k, v, depth + 1);
            }
            close(out, tag, depth);
        }
    }
}

fn open(out: &mut String, tag: &str) {
    out.push('<');
    out.push_str(tag);
    out.push_str(">\n");
}

fn close(out: &mut String, tag: &str, depth: usize) {
    indent(out, depth);
    out.push_str("</");
    out.push_str(tag);
    out.push_str(">\n");
}

/// An answer in the asked format with its status.
pub fn render(format: Format, status: StatusCode, root: &str, node: &Node) -> Response {
    let body = match format {
        // Serialising our own tree cannot fail: every key is a string.
        Format::Json => serde_json::to_string(node).unwrap_or_default(),
        Format::Xml => node.to_xml(root),
    };
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    resp
}

/// A stored time (epoch ms) as ISO 8601 with the street's offset, e.g.
/// `2026-11-23T18:00:00+08:00`.
pub fn datetime(ms: i64, tz: chrono_tz::Tz) -> Node {
    chrono::DateTime::from_timestamp_millis(ms).map_or(Node::Null, |t| {
        Node::Text(
            t.with_timezone(&tz)
                .to_rfc3339_opts(SecondsFormat::Secs, true),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Node {
        Node::List(
            "request",
            vec![Node::Map(vec![
                ("service_request_id", Node::Text("7".into())),
                ("account_id", Node::Null),
                ("lat", Node::Float(31.17)),
                ("metadata", Node::Bool(true)),
                ("description", Node::Text("a < b & \"c\"\u{1}".into())),
            ])],
        )
    }

    #[test]
    fn json_is_the_plain_mapping_in_field_order() {
        let text = serde_json::to_string(&sample()).expect("json");
        assert_eq!(
            text,
            r#"[{"service_request_id":"7","account_id":null,"lat":31.17,"metadata":true,"description":"a < b & \"c\"\u0001"}]"#
        );
        let back: serde_json::Value = serde_json::from_str(&text).expect("parse");
        assert_eq!(back, sample().to_json());
        assert_eq!(
            serde_json::to_string(&Node::Float(f64::NAN)).expect("json"),
            "null"
        );
    }

    #[test]
    fn xml_names_each_item_and_escapes_text() {
        let xml = sample().to_xml("service_requests");
        assert!(xml.starts_with(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service_requests>\n  <request>\n"
        ));
        assert!(xml.contains("<service_request_id>7</service_request_id>"));
        assert!(xml.contains("<account_id/>"));
        assert!(xml.contains("<lat>31.17</lat>"));
        assert!(xml.contains("<description>a &lt; b &amp; &quot;c&quot;</description>"));
    }

    #[test]
    fn extensions_pick_the_format() {
        assert_eq!(
            Format::split("services.json"),
            ("services", Some(Format::Json))
        );
        assert_eq!(Format::split("a.b.xml"), ("a.b", Some(Format::Xml)));
        assert_eq!(Format::split("services.csv"), ("services", None));
        assert_eq!(Format::split("discovery"), ("discovery", None));
    }

    #[test]
    fn times_carry_the_street_offset() {
        let t = datetime(1_795_428_000_000, chrono_tz::Asia::Shanghai);
        assert_eq!(t, Node::Text("2026-11-23T18:00:00+08:00".into()));
    }
}
