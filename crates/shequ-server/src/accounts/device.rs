//! Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device
//! Cookies"): a browser or client that has logged in to an account gets a
//! cookie naming that account and a random nonce, signed with a server key.
//! A login presenting a valid one for the username it tries is from a
//! known device: it skips the account's lock for unknown devices (which an
//! attacker can trigger from anywhere) and has its own lock instead, so
//! guessing with a stolen cookie stays slow too.
//!
//! The cookie is stateless: the signature is the proof, and nothing is
//! stored per device. One cookie per account (its name carries a hash of
//! the username), so a browser shared by a street office's staff stays
//! known to each of them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::digest::Key;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use shequ_store::{Store, StoreError};

/// Name of the secret in the store.
const KEY_NAME: &str = "device_cookie_v1";
/// Prefix of the cookies' names.
pub const COOKIE_PREFIX: &str = "shequ_device_";
/// How long a device stays known after its last successful login (each
/// login renews the cookie). Half a year covers a worker who logs in from a
/// given place only now and then.
pub const LIFETIME_SECS: i64 = 180 * 24 * 3600;
/// Clocks of several server instances may differ a little.
const CLOCK_SKEW_SECS: i64 = 300;
/// Marks the format, so a later one can be told apart.
const VERSION: &str = "v1";

/// The key device cookies are signed with: 64 random bytes, SHA-256's
/// block size, the longest key HMAC-SHA256 uses as it is.
#[derive(Clone)]
pub struct DeviceKey([u8; 64]);

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceKey(***)")
    }
}

impl DeviceKey {
    /// The key kept in the database, made there by the first server that
    /// asks: device cookies then outlive restarts and are good on every
    /// instance of the same deployment.
    pub async fn load(store: &Store) -> shequ_store::Result<Self> {
        let mut fresh = [0u8; 64];
        rand::fill(&mut fresh);
        let stored = store.server_secret(KEY_NAME, &hex::encode(fresh)).await?;
        hex::decode(&stored)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .map(Self)
            .ok_or_else(|| {
                StoreError::Corrupt(format!("server secret {KEY_NAME} is not 64 hex bytes"))
            })
    }

    /// A key from bytes (tests).
    pub fn from_bytes(bytes: [u8; 64]) -> Self {
        Self(bytes)
    }

    fn mac(&self, signed: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new(&Key::<Hmac<Sha256>>::from(self.0));
        mac.update(signed.as_bytes());
        mac
    }

    /// A new cookie value for `username`, issued at `now_secs`.
    pub fn issue(&self, username: &str, now_secs: i64) -> String {
        let mut nonce = [0u8; 16];
        rand::fill(&mut nonce);
        let signed = format!(
            "{VERSION}.{}.{}.{now_secs}",
            URL_SAFE_NO_PAD.encode(username.as_bytes()),
            URL_SAFE_NO_PAD.encode(nonce)
        );
        let tag = URL_SAFE_NO_PAD.encode(self.mac(&signed).finalize().into_bytes());
        format!("{signed}.{tag}")
    }

    /// The cookie's nonce if `value` is a cookie we signed, for `username`,
    /// and not expired at `now_secs`.
    pub fn verify(&self, username: &str, value: &str, now_secs: i64) -> Option<String> {
        let (signed, tag) = value.rsplit_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        // Compares in constant time.
        self.mac(signed).verify_slice(&tag).ok()?;
        let mut parts = signed.split('.');
        let (version, user, nonce, issued) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if version != VERSION || parts.next().is_some() {
            return None;
        }
        if URL_SAFE_NO_PAD.decode(user).ok()? != username.as_bytes() {
            return None;
        }
        let issued: i64 = issued.parse().ok()?;
        let age = now_secs - issued;
        ((-CLOCK_SKEW_SECS..LIFETIME_SECS).contains(&age)).then(|| nonce.to_owned())
    }
}

/// The name of `username`'s device cookie.
pub fn cookie_name(username: &str) -> String {
    let digest = Sha256::digest(username.as_bytes());
    format!("{COOKIE_PREFIX}{}", hex::encode(&digest[..8]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_750_000_000;

    #[test]
    fn a_cookie_is_good_for_its_account_and_lifetime_only() {
        let key = DeviceKey::from_bytes([7; 64]);
        let c = key.issue("admin", NOW);
        let nonce = key.verify("admin", &c, NOW).expect("valid");
        assert_eq!(
            key.verify("admin", &c, NOW + LIFETIME_SECS - 1),
            Some(nonce)
        );
        assert_eq!(
            key.verify("admin", &c, NOW + LIFETIME_SECS),
            None,
            "expired"
        );
        assert_eq!(key.verify("admin", &c, NOW - 3600), None, "from the future");
        assert_eq!(key.verify("sec_a", &c, NOW), None, "another account");
        assert_eq!(key.verify("Admin", &c, NOW), None);
        let other_key = DeviceKey::from_bytes([8; 64]);
        assert_eq!(other_key.verify("admin", &c, NOW), None, "another server's");
        assert_ne!(key.issue("admin", NOW), c, "each login gets a new nonce");
        // Only base64url, digits and dots: a valid cookie value as it is.
        assert!(
            c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        );
    }

    #[test]
    fn a_tampered_cookie_is_refused() {
        let key = DeviceKey::from_bytes([7; 64]);
        let c = key.issue("admin", NOW);
        let parts: Vec<&str> = c.split('.').collect();
        assert_eq!(parts.len(), 5);
        // Renamed to another account, re-dated, truncated, or garbage.
        let renamed = c.replacen(parts[1], &URL_SAFE_NO_PAD.encode("sec_a"), 1);
        assert_eq!(key.verify("sec_a", &renamed, NOW), None);
        let redated = c.replacen(&NOW.to_string(), &(NOW + 1000).to_string(), 1);
        assert_eq!(key.verify("admin", &redated, NOW + 1000), None);
        assert_eq!(key.verify("admin", &c[..c.len() - 2], NOW), None);
        for junk in ["", ".", "v1....", "a.b.c.d.e", "v1.YWRtaW4.x.1.!!"] {
            assert_eq!(key.verify("admin", junk, NOW), None, "{junk:?}");
        }
    }

    #[test]
    fn names_differ_per_account() {
        assert_ne!(cookie_name("admin"), cookie_name("sec_a"));
        assert!(cookie_name("admin").starts_with(COOKIE_PREFIX));
        assert_eq!(cookie_name("admin").len(), COOKIE_PREFIX.len() + 16);
    }
}
