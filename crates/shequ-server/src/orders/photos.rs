//! Photos of an order, at intake and at resolution: the type is read from
//! the file's first bytes (the content type a client declares is not
//! trusted), the size is capped by `max_photo_bytes`, and each photo is
//! stored with its SHA-256.

use sha2::{Digest, Sha256};

use crate::app::error::AppError;
use crate::orders::OrdersState;
use shequ_domain::Code;

/// When in an order's life a photo was taken.
pub const STAGES: &[&str] = &["intake", "resolution"];

/// Why a photo was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("the photo is larger than {max} bytes")]
    TooLarge { max: u32 },
    #[error("the file is not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("the photo is empty")]
    Empty,
    #[error("stage must be intake or resolution")]
    BadStage,
}

impl PhotoError {
    /// Stable code, translated by the pages.
    pub fn code(&self) -> Code {
        match self {
            PhotoError::TooLarge { .. } => Code::PhotoTooLarge,
            PhotoError::NotAnImage => Code::PhotoNotImage,
            PhotoError::Empty => Code::PhotoEmpty,
            PhotoError::BadStage => Code::PhotoStageInvalid,
        }
    }
}

impl From<PhotoError> for AppError {
    fn from(e: PhotoError) -> Self {
        match e {
            PhotoError::TooLarge { .. } => AppError::PayloadTooLarge {
                code: e.code(),
                message: e.to_string(),
            },
            PhotoError::NotAnImage => AppError::UnsupportedMediaType {
                code: e.code(),
                message: e.to_string(),
            },
            PhotoError::Empty => AppError::unprocessable("photo", e.code(), e.to_string()),
            PhotoError::BadStage => AppError::unprocessable("stage", e.code(), e.to_string()),
        }
    }
}

/// The image type of `bytes` from its magic number: JPEG, PNG or WebP.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Checks a photo and returns its content type.
pub fn check(bytes: &[u8], max: u32) -> Result<&'static str, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > max as usize {
        return Err(PhotoError::TooLarge { max });
    }
    sniff(bytes).ok_or(PhotoError::NotAnImage)
}

/// Checks and stores a photo of order `order_id`; returns the photo's id.
/// `uploaded_by` is `user:ID` or `reporter`.
pub async fn save(
    state: &OrdersState,
    order_id: i64,
    stage: &str,
    bytes: &[u8],
    uploaded_by: &str,
) -> Result<i64, AppError> {
    if !STAGES.contains(&stage) {
        return Err(PhotoError::BadStage.into());
    }
    let content_type = check(bytes, state.settings.max_photo_bytes)?;
    let sha = hex::encode(Sha256::digest(bytes));
    Ok(state
        .store
        .add_order_photo(order_id, stage, content_type, bytes, &sha, uploaded_by)
        .await?)
}

/// Why a posted form's photo was not taken, if it was not (too large: the
/// page kit stops reading at the limit and says so).
pub fn refused_upload(form: &crate::app::page::form::FormData) -> Option<PhotoError> {
    form.file_too_large.map(|max| PhotoError::TooLarge { max })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"<svg xmlns="), None);
        assert_eq!(sniff(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn size_and_type_are_checked() {
        let png = b"\x89PNG\r\n\x1a\n0123";
        assert_eq!(check(png, 100), Ok("image/png"));
        assert_eq!(check(png, 5), Err(PhotoError::TooLarge { max: 5 }));
        assert_eq!(check(b"hello", 100), Err(PhotoError::NotAnImage));
        assert_eq!(check(b"", 100), Err(PhotoError::Empty));
    }
}
