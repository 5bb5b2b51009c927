//! Names: action names from operation ids, input names from parameter names.

/// `update-contact` -> `update_contact`, `get-contacts-by-businessId` ->
/// `get_contacts_by_business_id`, `HTTPServer` -> `http_server`.
pub fn snake_case(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && i > 0 {
                let prev = chars[i - 1];
                let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
                if prev.is_ascii_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_ascii_uppercase() && next_lower)
                {
                    out.push('_');
                }
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed = out.trim_matches('_');
    let mut collapsed = String::with_capacity(trimmed.len());
    for c in trimmed.chars() {
        if !(c == '_' && collapsed.ends_with('_')) {
            collapsed.push(c);
        }
    }
    collapsed
}

/// Whether `name` is a valid `metadata.name` (`integ_spec::NAME_PATTERN`).
pub fn is_valid_name(name: &str) -> bool {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let len = name.chars().count();
    (1..=64).contains(&len)
        && name.chars().next().is_some_and(ok_char)
        && name.chars().last().is_some_and(ok_char)
        && name.chars().all(|c| ok_char(c) || c == '_' || c == '-')
}

/// A name `{{ inputs.NAME }}` can hold: letters, digits, `_` and `-`, starting with a
/// letter or `_`; anything else becomes `_`.
pub fn input_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_cases_operation_ids() {
        assert_eq!(snake_case("update-contact"), "update_contact");
        assert_eq!(
            snake_case("get-contacts-by-businessId"),
            "get_contacts_by_business_id"
        );
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(snake_case("listV2Items"), "list_v2_items");
        assert_eq!(snake_case("--a..b--"), "a_b");
        assert_eq!(
            snake_case("get /contacts/{contactId}"),
            "get_contacts_contact_id"
        );
    }

    #[test]
    fn names_follow_the_name_pattern() {
        assert!(is_valid_name("update_contact"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("_x"));
        assert!(!is_valid_name(&"a".repeat(65)));
    }

    #[test]
    fn input_names_are_template_identifiers() {
        assert_eq!(input_name("contactId"), "contactId");
        assert_eq!(input_name("page[size]"), "page_size_");
        assert_eq!(input_name("1st"), "_1st");
        assert_eq!(input_name("x-y"), "x-y");
    }
}
