//! Deterministic client tokens: the same event and target always give the same token, so a
//! redelivered event or a Lambda retry is one operation on the service side, not two.

use uuid::Uuid;

/// amiflow's own UUIDv5 namespace (a v4 drawn once, fixed forever: changing it changes every token).
const NAMESPACE: Uuid = Uuid::from_u128(0x6f1d_2c5e_8a4b_4b7e_9d3a_51c0_e2f7_a914);

/// A UUIDv5 (36 characters) of the parts, joined so that ("ab","c") and ("a","bc") differ.
pub fn client_token(parts: &[&str]) -> String {
    let mut name = Vec::new();
    for part in parts {
        name.extend_from_slice(&(part.len() as u64).to_be_bytes());
        name.extend_from_slice(part.as_bytes());
    }
    Uuid::new_v5(&NAMESPACE, &name).to_string()
}

#[cfg(test)]
mod tests {
    use super::client_token;

    #[test]
    fn stable_distinct_and_short() {
        let a = client_token(&["event-1", "arn:dc/prod"]);
        assert_eq!(a, client_token(&["event-1", "arn:dc/prod"]));
        assert_ne!(a, client_token(&["event-2", "arn:dc/prod"]));
        assert_ne!(a, client_token(&["event-1", "arn:dc/test"]));
        assert_ne!(client_token(&["ab", "c"]), client_token(&["a", "bc"]));
        assert_eq!(a.len(), 36);
    }
}
