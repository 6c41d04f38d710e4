//! A posted form, URL-encoded or multipart, read with fixed limits: text
//! fields up to [`MAX_TEXT_BYTES`] in all, and one optional file field
//! ([`FILE_FIELDS`]: an order's `photo`, a consultation's `document`), up
//! to the configured `max_photo_bytes`. The body is streamed, so an
//! oversized upload is refused without being held in memory.
//!
//! Routes that take this extractor disable axum's default body limit; the
//! limits here replace it.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;

use crate::app::error::AppError;
use crate::app::page::ctx::PageError;
use axum::extract::FromRef;

use crate::app::state::Core;
use shequ_domain::Code;

/// Text of a form, all fields together.
pub const MAX_TEXT_BYTES: usize = 256 * 1024;

/// The names a form's one file field goes by.
pub const FILE_FIELDS: &[&str] = &["photo", "document"];

/// A posted form.
#[derive(Debug, Default)]
pub struct FormData {
    pub fields: Vec<(String, String)>,
    /// The bytes of the chosen file (none when no file was chosen).
    pub file: Option<Vec<u8>>,
    /// The chosen file's name as the browser gave it.
    pub file_name: Option<String>,
    /// The limit the file went over (it was not taken); the other fields
    /// are kept so the form can be shown again.
    pub file_too_large: Option<u32>,
}

impl FormData {
    /// The first value of `name`, trimmed; empty when absent.
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// Every non-empty value of `name` (checkboxes, multiple selects).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .collect()
    }

    /// Whether `name` was sent (a ticked checkbox).
    pub fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|(k, _)| k == name)
    }

    /// From URL-encoded text (also used by tests).
    pub fn from_urlencoded(body: &[u8]) -> Self {
        Self {
            fields: url::form_urlencoded::parse(body).into_owned().collect(),
            ..Self::default()
        }
    }
}

fn too_large() -> AppError {
    AppError::PayloadTooLarge {
        code: Code::FormTooLarge,
        message: "the form is too large".to_owned(),
    }
}

fn bad_multipart(e: &axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return too_large();
    }
    AppError::unprocessable("form", Code::FormInvalid, e.body_text())
}

async fn read_multipart(mut mp: Multipart, max_photo: usize) -> Result<FormData, AppError> {
    let mut form = FormData::default();
    let mut text_bytes = 0usize;
    while let Some(mut field) = mp.next_field().await.map_err(|e| bad_multipart(&e))? {
        let name = field.name().unwrap_or("").to_owned();
        if FILE_FIELDS.contains(&name.as_str()) {
            let file_name = field.file_name().map(str::to_owned);
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|e| bad_multipart(&e))? {
                if bytes.len() + chunk.len() > max_photo {
                    // Stop reading: nothing after the file is needed, and
                    // the rest of an oversized upload is never buffered.
                    form.file_too_large = Some(u32::try_from(max_photo).unwrap_or(u32::MAX));
                    return Ok(form);
                }
                bytes.extend_from_slice(&chunk);
            }
            // A file input left empty still sends a part, with no bytes.
            if !bytes.is_empty() {
                form.file = Some(bytes);
                form.file_name = file_name;
            }
            continue;
        }
        let mut value = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| bad_multipart(&e))? {
            text_bytes += chunk.len();
            if text_bytes > MAX_TEXT_BYTES {
                return Err(too_large());
            }
            value.extend_from_slice(&chunk);
        }
        form.fields
            .push((name, String::from_utf8_lossy(&value).into_owned()));
    }
    Ok(form)
}

impl FormData {
    /// Reads a posted form (for JSON API handlers, whose errors are JSON).
    pub async fn read(req: Request, state: &Core) -> Result<Self, AppError> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if multipart {
            let mp = Multipart::from_request(req, state)
                .await
                .map_err(|e| AppError::unprocessable("form", Code::FormInvalid, e.body_text()))?;
            read_multipart(mp, state.settings.max_photo_bytes as usize).await
        } else {
            let bytes = axum::body::to_bytes(req.into_body(), MAX_TEXT_BYTES)
                .await
                .map_err(|_| too_large())?;
            Ok(FormData::from_urlencoded(&bytes))
        }
    }
}

impl<S> FromRequest<S> for FormData
where
    Core: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::read(req, &Core::from_ref(state)).await?)
    }
}
