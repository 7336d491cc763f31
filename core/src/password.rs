//! Passwords and session secrets: argon2id hashing into PHC strings, the length rule, and random
//! secrets from the operating system.
//!
//! No SQL here and no clock: the store keeps the PHC string in `users.password_hash` and calls
//! these functions. A password itself is never stored, logged or audited.

use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use crate::error::StoreError;

/// The fewest characters (Unicode scalar values) a password may have.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// The most characters a password may have: longer ones are refused before hashing, so a
/// pasted file cannot make the server hash megabytes.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// The characters of a generated one-time password: letters and digits without the ones people
/// confuse when they read them off a screen (0/O/o, 1/l/I, 5/S, 2/Z, 8/B).
const UNAMBIGUOUS: &[u8] = b"abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679";

/// How many characters a generated one-time password has (50 symbols: about 90 bits).
pub const ONE_TIME_PASSWORD_CHARS: usize = 16;

/// A fixed argon2id hash, with the same parameters as [`hash`] uses, verified against when the
/// username typed does not exist (or has no password), so that a refusal takes as long whether
/// the account exists or not. What it is the hash of is irrelevant (it was random).
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$wq4cVvGSgqfkVpXx0zS+ug$pKhvIhWffOMxRozCyhk8P+9Dtm+Lm/cMlDWGw/TSG2Q";

/// Checks a new password against the length rule; the error says the rule, never the password.
pub fn check_new(password: &str) -> Result<(), StoreError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(StoreError::invalid(format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters (this one has {chars})"
        )));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(StoreError::invalid(format!(
            "a password may have at most {MAX_PASSWORD_CHARS} characters (this one has {chars})"
        )));
    }
    Ok(())
}

/// Hashes a password with argon2id (the crate's defaults: 19 MiB, 2 passes, 1 lane, the
/// OWASP-recommended minimum) and a fresh 16-byte salt, as a PHC string (`$argon2id$v=19$...`).
pub(crate) fn hash(password: &str) -> Result<String, StoreError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| StoreError::Secret {
        what: format!("no randomness for a password salt: {e}"),
    })?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| StoreError::Secret {
        what: format!("password salt: {e}"),
    })?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Secret {
            what: format!("password hash: {e}"),
        })
}

/// Whether `password` matches the stored PHC string. A stored string that cannot be read
/// matches nothing (and is reported as an error, so a damaged row is seen, not guessed).
pub(crate) fn verify(password: &str, stored: &str) -> Result<bool, StoreError> {
    let parsed = PasswordHash::new(stored).map_err(|e| StoreError::Secret {
        what: format!("a stored password hash cannot be read: {e}"),
    })?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// Spends the time of one verification against [`DUMMY_HASH`] (the answer is always false).
pub(crate) fn verify_dummy(password: &str) {
    // The dummy hash is a constant checked by a test; its result is deliberately ignored.
    let _ = verify(password, DUMMY_HASH);
}

/// `n` random bytes as lowercase hex (session secrets and CSRF tokens).
pub(crate) fn random_hex(n: usize) -> Result<String, StoreError> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Secret {
        what: format!("no randomness for a session secret: {e}"),
    })?;
    Ok(crate::audit::hex(&bytes))
}

/// A one-time password of [`ONE_TIME_PASSWORD_CHARS`] characters from an alphabet without
/// look-alike characters, drawn without modulo bias.
pub(crate) fn one_time_password() -> Result<String, StoreError> {
    let n = UNAMBIGUOUS.len();
    // Bytes at or above the largest multiple of n are drawn again, so each symbol is equally
    // likely.
    let limit = 256 - 256 % n;
    let mut out = String::with_capacity(ONE_TIME_PASSWORD_CHARS);
    let mut buf = [0u8; 64];
    while out.len() < ONE_TIME_PASSWORD_CHARS {
        getrandom::fill(&mut buf).map_err(|e| StoreError::Secret {
            what: format!("no randomness for a one-time password: {e}"),
        })?;
        for &b in &buf {
            if usize::from(b) < limit && out.len() < ONE_TIME_PASSWORD_CHARS {
                out.push(char::from(UNAMBIGUOUS[usize::from(b) % n]));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use argon2::Params;

    use super::*;

    #[test]
    fn a_hash_is_an_argon2id_phc_string_that_verifies_only_its_password() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery", &h).unwrap());
        assert!(!verify("correct horse batterY", &h).unwrap());
        // Two hashes of one password differ: each has its own salt.
        assert_ne!(h, hash("correct horse battery").unwrap());
    }

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_does() {
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        let real_hash = hash("some password here").unwrap();
        let real = PasswordHash::new(&real_hash).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        let (d, r) = (
            Params::try_from(&dummy).unwrap(),
            Params::try_from(&real).unwrap(),
        );
        assert_eq!(
            (d.m_cost(), d.t_cost(), d.p_cost(), d.output_len()),
            (r.m_cost(), r.t_cost(), r.p_cost(), r.output_len())
        );
        assert!(!verify("anything", DUMMY_HASH).unwrap());
    }

    #[test]
    fn the_length_rule_counts_characters_not_bytes() {
        // Nine Vietnamese letters are 18 bytes of UTF-8 but nine characters: too short.
        let err = check_new("ăâđêôơưắằ").unwrap_err().to_string();
        assert!(err.contains("at least 10 characters"), "{err}");
        assert!(err.contains("has 9"), "{err}");
        assert!(
            !err.contains("ăâđ"),
            "the error repeats the password: {err}"
        );
        check_new("ăâđêôơưắằẳ").unwrap();
        check_new(&"x".repeat(MAX_PASSWORD_CHARS)).unwrap();
        assert!(check_new(&"x".repeat(MAX_PASSWORD_CHARS + 1)).is_err());
    }

    #[test]
    fn one_time_passwords_use_the_unambiguous_alphabet() {
        let a = one_time_password().unwrap();
        let b = one_time_password().unwrap();
        assert_eq!(a.chars().count(), 16);
        assert_ne!(a, b);
        for c in a.chars().chain(b.chars()) {
            assert!(!"0Oo1lI5S2Z8B".contains(c), "look-alike {c:?} in {a} {b}");
            assert!(c.is_ascii_alphanumeric(), "{c:?}");
        }
        check_new(&a).unwrap();
    }
}
