//! The URL rules both demos share: which URLs they accept, and how they print one.
//!
//! `demo-client` compiles this same file (`#[path]`), so that the two binaries check URLs
//! alike without a crate of their own for two functions. otel-runtime's own check is not
//! public and is made for OTLP endpoints (http only, no userinfo), so it does not fit here.

use std::borrow::Cow;

/// Checks that `url` is an absolute `http` or `https` URL with a host and returns it parsed;
/// otherwise says what is wrong and what is accepted instead.
pub fn check_http_url(url: &str) -> Result<awc::http::Uri, String> {
    let uri: awc::http::Uri = url.parse().map_err(|error| format!("not a URL: {error}"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(other) => {
            return Err(format!(
                "scheme {other:?} is not supported: use http or https"
            ))
        }
        None => return Err("not an absolute URL: give it as http://host:port/path".to_owned()),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err("the URL has no host".to_owned());
    }
    Ok(uri)
}

/// `url` without its `user:password@` part, for printing: a URL given with credentials must
/// not leak them into a terminal, a log or an answer. Borrowed as is when it has none.
pub fn without_userinfo(url: &str) -> Cow<'_, str> {
    let Some(scheme_end) = url.find("://").map(|index| index + 3) else {
        return Cow::Borrowed(url);
    };
    let rest = &url[scheme_end..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    // The last `@` ends the userinfo: a password may itself contain a raw `@`.
    match rest[..authority_len].rfind('@') {
        Some(at) => Cow::Owned(format!("{}{}", &url[..scheme_end], &rest[at + 1..])),
        None => Cow::Borrowed(url),
    }
}

#[cfg(test)]
mod tests {
    use super::{check_http_url, without_userinfo};

    #[test]
    fn urls_are_checked_before_use() {
        assert!(check_http_url("http://127.0.0.1:8080/wiki/Rabbit").is_ok());
        assert!(check_http_url("https://www.wikipedia.org/wiki/Rabbit").is_ok());
        assert!(check_http_url("http://user:secret@127.0.0.1:1/").is_ok());
        let refused = |url| check_http_url(url).err().unwrap_or_default();
        assert!(refused("not a url").starts_with("not a URL"));
        assert!(refused("").starts_with("not a URL"));
        assert!(refused("ftp://127.0.0.1/").contains(r#"scheme "ftp" is not supported"#));
        assert!(refused("/wiki/Rabbit").starts_with("not an absolute URL"));
    }

    #[test]
    fn userinfo_is_not_printed() {
        assert_eq!(
            without_userinfo("http://user:secret@127.0.0.1:1/wiki/Rabbit?q=1"),
            "http://127.0.0.1:1/wiki/Rabbit?q=1"
        );
        assert_eq!(without_userinfo("https://p@ss:w@rd@h/"), "https://h/");
        assert_eq!(without_userinfo("http://token@h"), "http://h");
        // An `@` after the authority is not userinfo.
        assert_eq!(without_userinfo("http://h/a@b?c=@"), "http://h/a@b?c=@");
        assert_eq!(without_userinfo("not a url"), "not a url");
    }
}
