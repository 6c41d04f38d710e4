//! Words of the UI in Chinese (first) and English, from Fluent message
//! files in `web/i18n/<lang>/<capability>.ftl`, embedded in the binary
//! (read from disk in debug builds). Every file of a language goes into
//! that language's one bundle, so a key is looked up the same wherever it
//! lives; a capability's words live in its own file.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use rust_embed::RustEmbed;
use std::sync::LazyLock;
use unic_langid::langid;

/// A language the UI speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// Parses `zh`, `zh-CN`, `en`, `en-GB`…; anything else is `None`.
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Lang::Zh)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The BCP 47 tag for `<html lang>` and cookies.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The other language, for the switch link.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

#[derive(RustEmbed)]
#[folder = "../../web/i18n/"]
struct MessageFiles;

/// The message files of a language (`zh-CN/orders.ftl`…), by name, each
/// with its text.
pub fn files(lang: Lang) -> Vec<(String, String)> {
    let prefix = format!("{}/", lang.tag());
    let mut names: Vec<String> = MessageFiles::iter()
        .filter(|n| n.starts_with(&prefix) && n.ends_with(".ftl"))
        .map(|n| n.into_owned())
        .collect();
    names.sort();
    names
        .into_iter()
        .filter_map(|name| {
            let file = MessageFiles::get(&name)?;
            let text = String::from_utf8_lossy(&file.data).into_owned();
            Some((name, text))
        })
        .collect()
}

fn joined(lang: Lang) -> String {
    files(lang)
        .into_iter()
        .map(|(_, text)| text)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every Chinese message file, one after another (for the key tests).
pub static ZH_FTL: LazyLock<String> = LazyLock::new(|| joined(Lang::Zh));
/// Every English message file, one after another (for the key tests).
pub static EN_FTL: LazyLock<String> = LazyLock::new(|| joined(Lang::En));

/// Both bundles, ready to format.
pub struct I18n {
    zh: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("I18n")
    }
}

fn bundle(
    id: unic_langid::LanguageIdentifier,
    lang: Lang,
) -> anyhow::Result<FluentBundle<FluentResource>> {
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Unicode isolation marks would end up as stray characters in HTML.
    bundle.set_use_isolating(false);
    let files = files(lang);
    anyhow::ensure!(!files.is_empty(), "no message files for {}", lang.tag());
    for (name, text) in files {
        let resource = FluentResource::try_new(text).map_err(|(_, errors)| {
            anyhow::anyhow!("message file {name} does not parse: {errors:?}")
        })?;
        bundle
            .add_resource(resource)
            .map_err(|errors| anyhow::anyhow!("duplicate messages in {name}: {errors:?}"))?;
    }
    Ok(bundle)
}

impl I18n {
    /// Loads the built-in message files.
    pub fn load() -> anyhow::Result<Self> {
        Ok(Self {
            zh: bundle(langid!("zh-CN"), Lang::Zh)?,
            en: bundle(langid!("en"), Lang::En)?,
        })
    }

    fn bundle(&self, lang: Lang) -> &FluentBundle<FluentResource> {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }

    /// The message `key` in `lang`, or the key itself if missing (a test
    /// keeps that from happening with shipped keys).
    pub fn t(&self, lang: Lang, key: &str) -> String {
        self.format(lang, key, None)
    }

    /// The message `key` with arguments.
    pub fn t_args(&self, lang: Lang, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, v.clone());
        }
        self.format(lang, key, Some(&fa))
    }

    /// Whether a message exists (used to translate optional codes).
    pub fn has(&self, lang: Lang, key: &str) -> bool {
        self.bundle(lang).has_message(key)
    }

    fn format(&self, lang: Lang, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let bundle = self.bundle(lang);
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::warn!(key, lang = lang.tag(), "missing message");
            return key.to_owned();
        };
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    }
}

/// Message identifiers defined in a Fluent source (for the parity test).
pub fn message_ids(source: &str) -> Vec<String> {
    let mut ids: Vec<String> = source
        .lines()
        .filter(|l| !l.starts_with([' ', '#', '\t', '.', '-']) && l.contains('='))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_owned()))
        .collect();
    ids.sort();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_define_the_same_keys() {
        let zh = message_ids(&ZH_FTL);
        let en = message_ids(&EN_FTL);
        let only_zh: Vec<_> = zh.iter().filter(|k| !en.contains(k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !zh.contains(k)).collect();
        assert!(only_zh.is_empty(), "keys missing in en/: {only_zh:?}");
        assert!(only_en.is_empty(), "keys missing in zh-CN/: {only_en:?}");
        assert!(zh.len() > 10, "suspiciously few keys: {}", zh.len());
    }

    /// Each capability's file has its counterpart in the other language,
    /// holding the same keys: a key is never in `zh-CN/orders.ftl` and
    /// `en/sensing.ftl`.
    #[test]
    fn each_file_has_its_counterpart_with_the_same_keys() {
        let zh = files(Lang::Zh);
        let en = files(Lang::En);
        let names = |fs: &[(String, String)], prefix: &str| -> Vec<String> {
            fs.iter()
                .map(|(n, _)| n.trim_start_matches(prefix).to_owned())
                .collect()
        };
        assert_eq!(names(&zh, "zh-CN/"), names(&en, "en/"));
        assert!(zh.len() >= 7, "message files: {:?}", names(&zh, ""));
        for ((zn, zt), (en_name, et)) in zh.iter().zip(&en) {
            assert_eq!(message_ids(zt), message_ids(et), "{zn} and {en_name}");
        }
    }

    /// Every code the program can answer with has its message, `error-<code>`,
    /// in both languages: a page never shows a raw code.
    #[test]
    fn every_code_has_its_message_in_both_languages() {
        let zh = message_ids(&ZH_FTL);
        let en = message_ids(&EN_FTL);
        let missing: Vec<_> = shequ_domain::Code::ALL
            .iter()
            .map(|c| c.key())
            .filter(|k| !zh.contains(k) || !en.contains(k))
            .collect();
        assert!(missing.is_empty(), "codes without a message: {missing:?}");
        assert!(shequ_domain::Code::ALL.len() > 100);
    }

    /// No key is defined twice across a language's files.
    #[test]
    fn no_key_is_defined_twice() {
        for source in [&*ZH_FTL, &*EN_FTL] {
            let mut ids = message_ids(source);
            let all = ids.len();
            ids.dedup();
            assert_eq!(ids.len(), all, "a key is defined twice");
        }
    }

    #[test]
    fn messages_load_and_format_in_both_languages() {
        let i = I18n::load().expect("message files parse");
        assert_eq!(i.t(Lang::Zh, "nav-people"), "人口");
        assert_eq!(i.t(Lang::En, "nav-people"), "People");
        assert_eq!(i.t(Lang::En, "no-such-key"), "no-such-key");
        let s = i.t_args(Lang::Zh, "people-total", &[("count", FluentValue::from(3))]);
        assert!(s.contains('3'), "{s}");
    }
}
