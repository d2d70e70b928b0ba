//! Credentials, as every transport sends them.

use base64::Engine as _;

/// Credentials sent with every request.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// `Authorization: Basic …`.
    Basic {
        /// The user name.
        user: String,
        /// The password.
        password: String,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Credentials never reach a log.
        match self {
            Auth::Bearer(_) => f.write_str("Bearer(…)"),
            Auth::Basic { user, .. } => write!(f, "Basic({user}, …)"),
        }
    }
}

impl Auth {
    /// Why these credentials cannot be sent, if they cannot: a token must be one run of
    /// visible ASCII (a space or a line break would make a broken or a different header), and
    /// a Basic user name cannot hold ':' (the server would split the pair there and see
    /// another user). The message names the field and says what to give instead.
    pub fn problem(&self) -> Option<&'static str> {
        let visible = |s: &str| s.bytes().all(|b| b.is_ascii_graphic());
        match self {
            Auth::Bearer(t) if t.is_empty() => {
                Some("the bearer token is empty: give the token, or no auth")
            }
            Auth::Bearer(t) if !visible(t) => Some(
                "the bearer token holds a space, a line break or a non-ASCII character: give the token alone, as the server issued it",
            ),
            Auth::Basic { user, .. } if user.contains(':') => Some(
                "the Basic user name holds ':', which Basic authentication cannot carry: use a user name without ':'",
            ),
            Auth::Basic { user, password }
                if user.chars().chain(password.chars()).any(char::is_control) =>
            {
                Some(
                    "the Basic user name or password holds a control character (a line break?): give them without",
                )
            }
            _ => None,
        }
    }

    /// The `Authorization` header's value.
    pub fn header(&self) -> String {
        match self {
            Auth::Bearer(t) => format!("Bearer {t}"),
            Auth::Basic { user, password } => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_is_base64_of_user_colon_password_and_debug_hides_secrets() {
        let a = Auth::Basic {
            user: "Aladdin".into(),
            password: "open sesame".into(),
        };
        assert_eq!(a.header(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert!(!format!("{a:?}").contains("sesame"));
        assert!(!format!("{:?}", Auth::Bearer("tok".into())).contains("tok"));
    }

    #[test]
    fn credentials_that_would_make_a_broken_or_different_header_are_refused() {
        let basic = |user: &str, password: &str| Auth::Basic {
            user: user.into(),
            password: password.into(),
        };
        for (auth, refused) in [
            (Auth::Bearer("abc.DEF-123_~+/=".into()), false),
            (Auth::Bearer(String::new()), true),
            (Auth::Bearer("tok\n".into()), true),
            (Auth::Bearer("two words".into()), true),
            (Auth::Bearer("tök".into()), true),
            (basic("anna", "pass word ü"), false),
            (basic("a:b", "pw"), true),
            (basic("anna", "pw\r\nX-Evil: 1"), true),
        ] {
            assert_eq!(auth.problem().is_some(), refused, "{auth:?}");
        }
    }
}
