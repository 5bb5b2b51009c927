//! The request bodies HighLevel accepts, property by property, and its validation of them.
//!
//! The lists are copied from `apps/contacts.json` (a unit test below compares them with the
//! file, so they cannot drift). HighLevel validates bodies with a whitelist: any property a
//! DTO does not declare is answered `422 ["property X should not exist"]`.

use serde_json::{Map, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Str,
    Email,
    Bool,
    Number,
    StrArray,
    Object,
    /// `[{id, key?, field_value}]`
    CustomFields,
    /// A string in one of the birth-date formats the DTO lists.
    BirthDate,
    /// Anything (the search body's filter and sort trees, checked by the search itself).
    Any,
}

#[derive(Debug)]
pub(crate) struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

/// A request-body DTO: its name in the OpenAPI file and its properties.
#[derive(Debug)]
pub(crate) struct Dto {
    #[allow(dead_code)] // read by the test that compares the lists with the OpenAPI file
    pub name: &'static str,
    pub fields: &'static [Field],
}

const fn opt(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
    }
}

const fn req(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: true,
    }
}

use Kind::*;

pub(crate) static CREATE_CONTACT: Dto = Dto {
    name: "CreateContactDto",
    fields: &[
        opt("firstName", Str),
        opt("lastName", Str),
        opt("name", Str),
        opt("email", Email),
        req("locationId", Str),
        opt("gender", Str),
        opt("phone", Str),
        opt("address1", Str),
        opt("city", Str),
        opt("state", Str),
        opt("postalCode", Str),
        opt("website", Str),
        opt("timezone", Str),
        opt("dnd", Bool),
        opt("dndSettings", Object),
        opt("inboundDndSettings", Object),
        opt("tags", StrArray),
        opt("customFields", CustomFields),
        opt("source", Str),
        opt("dateOfBirth", BirthDate),
        opt("country", Str),
        opt("companyName", Str),
        opt("assignedTo", Str),
    ],
};

pub(crate) static UPDATE_CONTACT: Dto = Dto {
    name: "UpdateContactDto",
    fields: &[
        opt("firstName", Str),
        opt("lastName", Str),
        opt("name", Str),
        opt("email", Email),
        opt("phone", Str),
        opt("address1", Str),
        opt("city", Str),
        opt("state", Str),
        opt("postalCode", Str),
        opt("website", Str),
        opt("timezone", Str),
        opt("dnd", Bool),
        opt("dndSettings", Object),
        opt("inboundDndSettings", Object),
        opt("tags", StrArray),
        opt("customFields", CustomFields),
        opt("source", Str),
        opt("dateOfBirth", BirthDate),
        opt("country", Str),
        opt("assignedTo", Str),
    ],
};

pub(crate) static UPSERT_CONTACT: Dto = Dto {
    name: "UpsertContactDto",
    fields: &[
        opt("firstName", Str),
        opt("lastName", Str),
        opt("name", Str),
        opt("email", Email),
        req("locationId", Str),
        opt("gender", Str),
        opt("phone", Str),
        opt("address1", Str),
        opt("city", Str),
        opt("state", Str),
        opt("postalCode", Str),
        opt("website", Str),
        opt("timezone", Str),
        opt("dnd", Bool),
        opt("dndSettings", Object),
        opt("inboundDndSettings", Object),
        opt("tags", StrArray),
        opt("customFields", CustomFields),
        opt("source", Str),
        opt("dateOfBirth", BirthDate),
        opt("country", Str),
        opt("companyName", Str),
        opt("assignedTo", Str),
        opt("createNewIfDuplicateAllowed", Bool),
    ],
};

/// The spec's `SearchBodyV2DTO` is an empty object; these are the fields HighLevel's search
/// documentation (outside the OpenAPI file) describes, `locationId` and `pageLimit` required.
pub(crate) static SEARCH_CONTACTS: Dto = Dto {
    name: "SearchBodyV2DTO",
    fields: &[
        req("locationId", Str),
        req("pageLimit", Number),
        opt("page", Number),
        opt("searchAfter", Any),
        opt("filters", Any),
        opt("sort", Any),
        opt("query", Str),
    ],
};

pub(crate) static TAGS: Dto = Dto {
    name: "TagsDTO",
    fields: &[req("tags", StrArray)],
};

pub(crate) static CREATE_NOTE: Dto = Dto {
    name: "NotesDTO",
    fields: &[
        opt("userId", Str),
        req("body", Str),
        opt("title", Str),
        opt("color", Str),
        opt("pinned", Bool),
    ],
};

pub(crate) static UPDATE_NOTE: Dto = Dto {
    name: "UpdateNoteDTO",
    fields: &[
        opt("userId", Str),
        opt("body", Str),
        opt("title", Str),
        opt("color", Str),
        opt("pinned", Bool),
    ],
};

impl Dto {
    pub fn declares(&self, name: &str) -> bool {
        self.fields.iter().any(|f| f.name == name)
    }

    /// Appends HighLevel's message for every undeclared property, every missing required
    /// one and every value of the wrong type. `null` counts as absent (`@IsOptional`).
    pub fn check(&self, body: &Map<String, Value>, errors: &mut Vec<String>) {
        errors.extend(
            body.keys()
                .filter(|k| !self.declares(k))
                .map(|k| format!("property {k} should not exist")),
        );
        for field in self.fields {
            match body.get(field.name) {
                None | Some(Value::Null) => {
                    if field.required {
                        errors.push(format!("{} should not be empty", field.name));
                        errors.push(type_message(field.name, field.kind));
                    }
                }
                Some(value) => check_value(field.name, field.kind, value, errors),
            }
        }
    }
}

fn type_message(name: &str, kind: Kind) -> String {
    match kind {
        Str | Email | BirthDate => format!("{name} must be a string"),
        Bool => format!("{name} must be a boolean value"),
        Number => format!("{name} must be a number conforming to the specified constraints"),
        StrArray | CustomFields => format!("{name} must be an array"),
        Object => format!("{name} must be an object"),
        Any => format!("{name} should not be empty"),
    }
}

fn check_value(name: &str, kind: Kind, value: &Value, errors: &mut Vec<String>) {
    let ok = match kind {
        Str => value.is_string(),
        Email => match value.as_str() {
            Some(s) => {
                if !looks_like_email(s) {
                    errors.push(format!("{name} must be an email"));
                }
                true
            }
            None => false,
        },
        Bool => value.is_boolean(),
        Number => value.is_number(),
        Object => value.is_object(),
        Any => true,
        BirthDate => match value.as_str() {
            Some(s) => {
                if crate::util::parse_birth_date(s).is_none() {
                    errors.push(format!(
                        "{name} must be a date in one of the formats YYYY/MM/DD, MM/DD/YYYY, \
                         YYYY-MM-DD, MM-DD-YYYY, YYYY.MM.DD, MM.DD.YYYY, YYYY_MM_DD, MM_DD_YYYY"
                    ));
                }
                true
            }
            None => false,
        },
        StrArray => match value.as_array() {
            Some(items) => {
                if !items.iter().all(Value::is_string) {
                    errors.push(format!("each value in {name} must be a string"));
                }
                true
            }
            None => false,
        },
        CustomFields => match value.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::Object(o) if o.get("id").is_some_and(Value::is_string) => {}
                        Value::Object(_) => errors.push(format!("{name}.{i}.id must be a string")),
                        _ => errors.push(format!(
                            "nested property {name} must be either object or array"
                        )),
                    }
                }
                true
            }
            None => false,
        },
    };
    if !ok {
        errors.push(type_message(name, kind));
    }
}

fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.starts_with('.')
                && domain.contains('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::json;

    use super::*;

    fn spec() -> Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../specs/highlevel/openapi/apps/contacts.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).expect("contacts.json")).unwrap()
    }

    /// Our whitelists are exactly the OpenAPI DTOs (the empty search DTO excepted).
    #[test]
    fn whitelists_match_the_openapi_dtos() {
        let spec = spec();
        for dto in [
            &CREATE_CONTACT,
            &UPDATE_CONTACT,
            &UPSERT_CONTACT,
            &TAGS,
            &CREATE_NOTE,
            &UPDATE_NOTE,
        ] {
            let schema = &spec["components"]["schemas"][dto.name];
            let declared: BTreeSet<&str> = schema["properties"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            let ours: BTreeSet<&str> = dto.fields.iter().map(|f| f.name).collect();
            assert_eq!(ours, declared, "{}", dto.name);
            let required: BTreeSet<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let ours: BTreeSet<&str> = dto
                .fields
                .iter()
                .filter(|f| f.required)
                .map(|f| f.name)
                .collect();
            assert_eq!(ours, required, "{} required", dto.name);
        }
        let search = &spec["components"]["schemas"]["SearchBodyV2DTO"]["properties"];
        assert_eq!(search, &json!({}), "the spec now declares search fields");
    }

    fn errors(dto: &Dto, body: Value) -> Vec<String> {
        let mut out = Vec::new();
        dto.check(body.as_object().unwrap(), &mut out);
        out
    }

    #[test]
    fn undeclared_properties_are_named() {
        assert_eq!(
            errors(
                &UPDATE_CONTACT,
                json!({"locationId": "x", "gender": "m", "email": "a@b.co"})
            ),
            [
                "property gender should not exist",
                "property locationId should not exist"
            ]
        );
    }

    #[test]
    fn required_and_typed_properties_are_checked() {
        assert_eq!(
            errors(
                &CREATE_CONTACT,
                json!({"email": "nope", "tags": ["a", 1], "dnd": "yes"})
            ),
            [
                "email must be an email",
                "locationId should not be empty",
                "locationId must be a string",
                "dnd must be a boolean value",
                "each value in tags must be a string"
            ]
        );
        assert!(errors(&CREATE_CONTACT, json!({"locationId": "l", "email": null})).is_empty());
        assert_eq!(
            errors(
                &CREATE_CONTACT,
                json!({"locationId": "l", "customFields": [{"key": "k"}]})
            ),
            ["customFields.0.id must be a string"]
        );
    }
}
