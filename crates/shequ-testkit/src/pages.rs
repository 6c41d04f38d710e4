//! Page requests as a browser sends them: a session cookie from the login
//! form, same-origin form posts from a client address, and the reply as
//! status, headers and bytes.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;

use crate::PASSWORD;
use crate::http::TestApp;

pub const HOST: &str = "shequ.test";
pub const ORIGIN: &str = "http://shequ.test";

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn location(&self) -> &str {
        self.header(header::LOCATION)
    }

    /// The `data-action` names of the forms on an order page, in order.
    pub fn actions(&self) -> Vec<String> {
        let body = self.text();
        body.match_indices("data-action=\"")
            .map(|(i, m)| {
                let rest = &body[i + m.len()..];
                rest[..rest.find('"').expect("closing quote")].to_owned()
            })
            .collect()
    }
}

pub async fn send(app: &TestApp, req: Request<Body>) -> Reply {
    let resp = app.send(req).await;
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    Reply {
        status,
        headers,
        bytes,
    }
}

pub fn page_get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut r = Request::get(path).header(header::HOST, HOST);
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    r.body(Body::empty()).expect("request")
}

pub fn post(
    path: &str,
    cookie: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
    client: &str,
) -> Request<Body> {
    let mut r = Request::post(path)
        .header(header::HOST, HOST)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, content_type);
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    let mut req = r.body(Body::from(body)).expect("request");
    let addr: SocketAddr = format!("{client}:40000").parse().expect("addr");
    req.extensions_mut().insert(ConnectInfo(addr));
    req
}

pub fn form(path: &str, cookie: Option<&str>, body: &str) -> Request<Body> {
    post(
        path,
        cookie,
        "application/x-www-form-urlencoded",
        body.as_bytes().to_vec(),
        "192.0.2.1",
    )
}

pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Logs in through the page form; the `Cookie` header value.
pub async fn cookie(app: &TestApp, user: &str) -> String {
    let r = send(
        app,
        form(
            "/login",
            None,
            &format!("username={user}&password={PASSWORD}&next=/"),
        ),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "login {user}: {}",
        r.text()
    );
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("shequ_session="))
        .and_then(|c| c.split(';').next())
        .expect("session cookie")
        .to_owned()
}

/// One part of a multipart body: name, optional file name, bytes (a
/// file part is sent as `application/octet-stream`: the server reads the
/// type from the bytes).
pub type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

pub fn multipart(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = "----shequ-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, file, data) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
