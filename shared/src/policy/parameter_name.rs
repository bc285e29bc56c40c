//! SSM parameter names: the rules PutParameter applies to `Name`, checked before any call.
//!
//! From the PutParameter reference: only `a-zA-Z0-9_.-` and `/` (which delimits the hierarchy,
//! and a name in a hierarchy begins with it); not prefixed with `aws` or `ssm` in any case; at
//! most fifteen levels; and at most 1011 characters, a count that includes the parameter's ARN
//! before the name (`arn:aws:ssm:us-east-2:111122223333:parameter/` is 45 of them).

/// The most characters of a parameter's ARN up to and including its name.
pub const MAX_NAME_LENGTH: usize = 1011;
/// The deepest hierarchy: `/L1/L2/.../L14/name` has fifteen levels.
pub const MAX_LEVELS: usize = 15;

fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/')
}

/// Every SSM naming rule that `name` breaks, each as a phrase naming the rule; empty when valid.
/// The ARN's share of the length limit depends on where the parameter lives: see
/// [`parameter_name_problem`].
pub fn parameter_name_problems(name: &str) -> Vec<String> {
    if name.is_empty() {
        return vec!["must not be empty".into()];
    }
    let mut out = Vec::new();
    let mut bad: Vec<char> = name.chars().filter(|c| !allowed(*c)).collect();
    bad.dedup();
    if !bad.is_empty() {
        let shown: Vec<String> = bad.iter().map(|c| format!("{c:?}")).collect();
        out.push(format!(
            "may hold only a-zA-Z0-9_.- and `/`, not {}",
            shown.join(", ")
        ));
    }
    let path = name.strip_prefix('/');
    if path.is_none() && name.contains('/') {
        out.push("a name in a hierarchy (with `/`) must begin with `/`".into());
    }
    let path = path.unwrap_or(name);
    let first = path
        .split('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if first.starts_with("aws") || first.starts_with("ssm") {
        out.push("must not begin with `aws` or `ssm` (in any case): SSM reserves them".into());
    }
    let levels = path.split('/').count();
    if levels > MAX_LEVELS {
        out.push(format!(
            "has {levels} levels; SSM allows at most {MAX_LEVELS}"
        ));
    }
    let length = name.chars().count();
    if length > MAX_NAME_LENGTH {
        out.push(format!(
            "is {length} characters; SSM allows at most {MAX_NAME_LENGTH}"
        ));
    }
    out
}

/// Why SSM would refuse `name` for a parameter in (`partition`, `region`, `account`): the rules
/// of [`parameter_name_problems`], then the length counted with the parameter's ARN.
pub fn parameter_name_problem(
    name: &str,
    partition: &str,
    region: &str,
    account: &str,
) -> Option<String> {
    let problems = parameter_name_problems(name);
    if !problems.is_empty() {
        return Some(format!(
            "invalid SSM parameter name {name:?}: {}",
            problems.join("; ")
        ));
    }
    let prefix = format!("arn:{partition}:ssm:{region}:{account}:parameter/");
    let length = prefix.chars().count() + name.strip_prefix('/').unwrap_or(name).chars().count();
    (length > MAX_NAME_LENGTH).then(|| {
        format!(
            "invalid SSM parameter name {name:?}: with its ARN prefix {prefix} it is {length} characters; \
             SSM allows at most {MAX_NAME_LENGTH}"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(name: &str) -> String {
        parameter_name_problems(name).join("; ")
    }

    #[test]
    fn valid_names_have_no_problems() {
        for name in [
            "/amiflow/golden-al2023/latest",
            "plain_name.v1",
            "/Dev/Production/East/Project-ABC/MyParameter",
            "/my-aws/x",
            &format!("/{}", vec!["l"; 15].join("/")),
        ] {
            assert_eq!(
                parameter_name_problems(name),
                Vec::<String>::new(),
                "{name}"
            );
        }
    }

    #[test]
    fn each_rule_is_named() {
        assert!(problems("/amiflow/Golden AL2023/latest").contains("not ' '"));
        assert!(problems("/a/{b}").contains("not '{', '}'"));
        assert!(problems("a/b").contains("must begin with `/`"));
        for reserved in ["/aws/x", "awsfoo", "/AWS-golden", "/ssm/x", "SSMx"] {
            assert!(
                problems(reserved).contains("must not begin with `aws` or `ssm`"),
                "{reserved}"
            );
        }
        assert!(problems(&format!("/{}", vec!["l"; 16].join("/")))
            .contains("has 16 levels; SSM allows at most 15"));
        assert!(problems(&format!("/{}", "x".repeat(1011)))
            .contains("is 1012 characters; SSM allows at most 1011"));
        assert_eq!(problems(""), "must not be empty");
    }

    #[test]
    fn the_length_limit_counts_the_arn() {
        let at = |name: &str| parameter_name_problem(name, "aws", "us-east-2", "111122223333");
        // The ARN up to the name is 45 characters here, as the PutParameter reference counts it.
        assert_eq!(at(&format!("/{}", "x".repeat(966))), None);
        let long = at(&format!("/{}", "x".repeat(967))).unwrap();
        assert!(
            long.contains("with its ARN prefix arn:aws:ssm:us-east-2:111122223333:parameter/ it is 1012 characters"),
            "{long}"
        );
        assert_eq!(at(&"x".repeat(966)), None, "without a leading `/` the same");
        let reserved = at("/aws/x").unwrap();
        assert!(
            reserved.starts_with("invalid SSM parameter name \"/aws/x\": must not begin"),
            "{reserved}"
        );
    }
}
