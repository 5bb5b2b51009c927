//! The contacts API of `apps/contacts.json`: contacts, tags, notes, search and upsert, with
//! HighLevel's response shapes (down to the `succeded` key).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::api::{self, ApiRequest, Ctx, Op};
use crate::dto;
use crate::error::HlError;
use crate::state::{App, read, write};
use crate::util;

const READ: &str = "contacts.readonly";
const WRITE: &str = "contacts.write";

static CREATE: Op = Op {
    scope: WRITE,
    query: &[],
    strict_query: false,
    body: Some(&dto::CREATE_CONTACT),
};
static GET: Op = Op {
    scope: READ,
    query: &[],
    strict_query: false,
    body: None,
};
/// HighLevel refuses any query string on Update Contact (the Kore.ai guide's finding).
static UPDATE: Op = Op {
    scope: WRITE,
    query: &[],
    strict_query: true,
    body: Some(&dto::UPDATE_CONTACT),
};
static DELETE: Op = Op {
    scope: WRITE,
    query: &[],
    strict_query: false,
    body: None,
};
static UPSERT: Op = Op {
    scope: WRITE,
    query: &[],
    strict_query: false,
    body: Some(&dto::UPSERT_CONTACT),
};
static SEARCH: Op = Op {
    scope: READ,
    query: &[],
    strict_query: false,
    body: Some(&dto::SEARCH_CONTACTS),
};
static DUPLICATE: Op = Op {
    scope: READ,
    query: &[("locationId", true), ("number", false), ("email", false)],
    strict_query: false,
    body: None,
};
static ADD_TAGS: Op = Op {
    scope: WRITE,
    query: &[],
    strict_query: false,
    body: Some(&dto::TAGS),
};
static REMOVE_TAGS: Op = Op {
    scope: WRITE,
    query: &[],
    strict_query: false,
    body: Some(&dto::TAGS),
};
static LIST_NOTES: Op = Op {
    scope: READ,
    query: &[],
    strict_query: false,
    body: None,
};
static CREATE_NOTE: Op = Op {
    scope: WRITE,
    query: &[],
    strict_query: false,
    body: Some(&dto::CREATE_NOTE),
};
static GET_NOTE: Op = Op {
    scope: READ,
    query: &[],
    strict_query: false,
    body: None,
};
static UPDATE_NOTE: Op = Op {
    scope: WRITE,
    query: &[],
    strict_query: false,
    body: Some(&dto::UPDATE_NOTE),
};
static DELETE_NOTE: Op = Op {
    scope: WRITE,
    query: &[],
    strict_query: false,
    body: None,
};

/// `GetContectByIdSchema`'s properties: what get, update, upsert and search show.
const GET_SHAPE: &[&str] = &[
    "id",
    "name",
    "locationId",
    "firstName",
    "lastName",
    "email",
    "emailLowerCase",
    "timezone",
    "companyName",
    "phone",
    "dnd",
    "dndSettings",
    "type",
    "source",
    "assignedTo",
    "address1",
    "city",
    "state",
    "country",
    "postalCode",
    "website",
    "tags",
    "dateOfBirth",
    "dateAdded",
    "dateUpdated",
    "attachments",
    "ssn",
    "keyword",
    "firstNameLowerCase",
    "fullNameLowerCase",
    "lastNameLowerCase",
    "lastActivity",
    "customFields",
    "businessId",
    "attributionSource",
    "lastAttributionSource",
    "visitorId",
];

/// `CreateContactSchema`'s properties: what create shows.
const CREATE_SHAPE: &[&str] = &[
    "id",
    "dateAdded",
    "dateUpdated",
    "deleted",
    "tags",
    "type",
    "customFields",
    "locationId",
    "firstName",
    "firstNameLowerCase",
    "fullNameLowerCase",
    "lastName",
    "lastNameLowerCase",
    "email",
    "emailLowerCase",
    "bounceEmail",
    "unsubscribeEmail",
    "dnd",
    "dndSettings",
    "phone",
    "address1",
    "city",
    "state",
    "country",
    "postalCode",
    "website",
    "source",
    "companyName",
    "dateOfBirth",
    "birthMonth",
    "birthDay",
    "lastSessionActivityAt",
    "offers",
    "products",
    "businessId",
    "assignedTo",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Get,
    Create,
}

#[derive(Clone, Debug)]
struct Note {
    id: String,
    body: String,
    user_id: Option<String>,
    title: Option<String>,
    color: Option<String>,
    pinned: bool,
    date_added: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Contact {
    id: String,
    location_id: String,
    seq: u64,
    date_added: String,
    date_updated: String,
    /// The writable properties as last written (`null`s removed, phone normalised).
    fields: Map<String, Value>,
    /// Custom field values by id, in first-written order.
    custom_fields: Vec<(String, Value)>,
    birth_date: Option<(u32, u32, u32)>,
    notes: Vec<Note>,
}

#[derive(Default)]
pub(crate) struct ContactStore {
    contacts: HashMap<String, Contact>,
    next_seq: u64,
}

impl Contact {
    fn str_field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }

    fn email_lower(&self) -> Option<String> {
        self.str_field("email").map(str::to_lowercase)
    }

    fn tags(&self) -> Vec<String> {
        self.fields
            .get("tags")
            .and_then(Value::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn set_tags(&mut self, tags: Vec<String>) {
        self.fields.insert("tags".to_owned(), Value::from(tags));
    }

    /// Writes a create/update/upsert body onto the contact.
    fn apply(&mut self, body: &Map<String, Value>) {
        for (key, value) in body {
            match key.as_str() {
                "locationId" | "createNewIfDuplicateAllowed" => {}
                "customFields" => {
                    for item in value.as_array().into_iter().flatten() {
                        let Some(id) = item.get("id").and_then(Value::as_str) else {
                            continue;
                        };
                        let new = item.get("field_value").cloned().unwrap_or(Value::Null);
                        match self.custom_fields.iter_mut().find(|(k, _)| k == id) {
                            Some((_, old)) => *old = new,
                            None => self.custom_fields.push((id.to_owned(), new)),
                        }
                    }
                    self.custom_fields.retain(|(_, v)| !v.is_null());
                }
                "dateOfBirth" => {
                    self.birth_date = value.as_str().and_then(util::parse_birth_date);
                }
                "tags" if value.is_array() => self.set_tags(dedup(value_strings(value))),
                _ if value.is_null() => {
                    self.fields.remove(key);
                }
                "phone" => match value.as_str().and_then(normalize_phone) {
                    Some(phone) => {
                        self.fields.insert(key.clone(), Value::from(phone));
                    }
                    None => {
                        self.fields.remove(key);
                    }
                },
                _ => {
                    self.fields.insert(key.clone(), value.clone());
                }
            }
        }
    }

    /// The contact as the given response schema shows it.
    fn render(&self, shape: Shape) -> Value {
        let mut all = self.fields.clone();
        all.remove("gender"); // accepted on create, but no response schema shows it
        all.remove("inboundDndSettings");
        let first = self.str_field("firstName").unwrap_or("").to_owned();
        let last = self.str_field("lastName").unwrap_or("").to_owned();
        let full = [first.as_str(), last.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let name = if full.is_empty() {
            self.str_field("name").unwrap_or("").to_owned()
        } else {
            full
        };
        let put = |all: &mut Map<String, Value>, k: &str, v: Value| {
            all.insert(k.to_owned(), v);
        };
        put(&mut all, "id", Value::from(self.id.clone()));
        put(
            &mut all,
            "locationId",
            Value::from(self.location_id.clone()),
        );
        put(&mut all, "dateAdded", Value::from(self.date_added.clone()));
        put(
            &mut all,
            "dateUpdated",
            Value::from(self.date_updated.clone()),
        );
        put(&mut all, "type", Value::from("lead"));
        put(&mut all, "deleted", Value::from(false));
        put(&mut all, "tags", Value::from(self.tags()));
        put(
            &mut all,
            "customFields",
            self.custom_fields
                .iter()
                .map(|(id, v)| json!({"id": id, "value": v}))
                .collect(),
        );
        if !all.contains_key("dnd") {
            put(&mut all, "dnd", Value::from(false));
        }
        if !name.is_empty() {
            put(&mut all, "name", Value::from(name.clone()));
            put(
                &mut all,
                "fullNameLowerCase",
                Value::from(name.to_lowercase()),
            );
        }
        if !first.is_empty() {
            put(
                &mut all,
                "firstNameLowerCase",
                Value::from(first.to_lowercase()),
            );
        }
        if !last.is_empty() {
            put(
                &mut all,
                "lastNameLowerCase",
                Value::from(last.to_lowercase()),
            );
        }
        if let Some(email) = self.email_lower() {
            put(&mut all, "emailLowerCase", Value::from(email));
        }
        if let Some((y, m, d)) = self.birth_date {
            match shape {
                Shape::Get => put(
                    &mut all,
                    "dateOfBirth",
                    json!(format!("{y:04}-{m:02}-{d:02}")),
                ),
                Shape::Create => {
                    put(
                        &mut all,
                        "dateOfBirth",
                        json!(format!("{y:04}-{m:02}-{d:02}T00:00:00.000Z")),
                    );
                    // HighLevel's months count from 0 here (its example: 8 for September).
                    put(&mut all, "birthMonth", json!(m - 1));
                    put(&mut all, "birthDay", json!(d));
                }
            }
        }
        if shape == Shape::Create {
            put(&mut all, "bounceEmail", Value::from(false));
            put(&mut all, "unsubscribeEmail", Value::from(false));
            put(&mut all, "offers", json!([]));
            put(&mut all, "products", json!([]));
        }
        let keys = match shape {
            Shape::Get => GET_SHAPE,
            Shape::Create => CREATE_SHAPE,
        };
        all.retain(|k, _| keys.contains(&k.as_str()));
        Value::Object(all)
    }

    fn note(&self, note: &Note) -> Value {
        let mut v = json!({
            "id": note.id,
            "body": note.body,
            "dateAdded": note.date_added,
            "contactId": self.id,
            "pinned": note.pinned,
        });
        for (key, value) in [
            ("userId", &note.user_id),
            ("title", &note.title),
            ("color", &note.color),
        ] {
            if let Some(value) = value {
                v[key] = Value::from(value.clone());
            }
        }
        v
    }
}

impl ContactStore {
    fn insert(&mut self, location_id: &str, body: &Map<String, Value>) -> &Contact {
        let now = util::now_iso();
        let mut contact = Contact {
            id: util::new_id(),
            location_id: location_id.to_owned(),
            seq: self.next_seq,
            date_added: now.clone(),
            date_updated: now,
            fields: Map::new(),
            custom_fields: Vec::new(),
            birth_date: None,
            notes: Vec::new(),
        };
        self.next_seq += 1;
        contact.apply(body);
        let id = contact.id.clone();
        self.contacts.entry(id).or_insert(contact)
    }

    /// A contact of the location with this email (case-insensitively) or phone.
    fn find_duplicate(
        &self,
        location_id: &str,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Option<(&Contact, &'static str)> {
        let email = email.map(str::to_lowercase);
        let phone = phone.and_then(normalize_phone);
        let in_location = || {
            self.contacts
                .values()
                .filter(move |c| c.location_id == location_id)
        };
        let oldest = |matches: &dyn Fn(&Contact) -> bool| {
            in_location().filter(|c| matches(c)).min_by_key(|c| c.seq)
        };
        if let Some(email) = &email
            && let Some(c) = oldest(&|c| c.email_lower().as_deref() == Some(email))
        {
            return Some((c, "email"));
        }
        if let Some(phone) = &phone
            && let Some(c) = oldest(&|c| c.str_field("phone") == Some(phone))
        {
            return Some((c, "phone"));
        }
        None
    }

    /// The location's contacts as Get Contact shows them, oldest first.
    pub fn list(&self, location_id: &str) -> Vec<Value> {
        let mut found: Vec<&Contact> = self
            .contacts
            .values()
            .filter(|c| c.location_id == location_id)
            .collect();
        found.sort_by_key(|c| c.seq);
        found.into_iter().map(|c| c.render(Shape::Get)).collect()
    }

    /// Inserts a contact without going through the API (test set-up).
    pub fn seed(&mut self, location_id: &str, body: &Map<String, Value>) -> Value {
        self.insert(location_id, body).render(Shape::Get)
    }
}

fn value_strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn dedup(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// HighLevel stores phones in E.164: `+1 888-888-8888` becomes `+18888888888`; ten digits
/// without a country code are taken as US numbers.
fn normalize_phone(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        None
    } else if !raw.trim_start().starts_with('+') && digits.len() == 10 {
        Some(format!("+1{digits}"))
    } else {
        Some(format!("+{digits}"))
    }
}

fn not_found() -> HlError {
    HlError::not_found("Contact not found")
}

/// The contact, if the token's location may see it (404 / 403 otherwise).
fn owned<'s>(
    store: &'s ContactStore,
    cx: &Ctx<'_>,
    contact_id: &str,
) -> Result<&'s Contact, HlError> {
    let contact = store.contacts.get(contact_id).ok_or_else(not_found)?;
    cx.check_location(&contact.location_id)?;
    Ok(contact)
}

fn owned_mut<'s>(
    store: &'s mut ContactStore,
    cx: &Ctx<'_>,
    contact_id: &str,
) -> Result<&'s mut Contact, HlError> {
    let contact = store.contacts.get_mut(contact_id).ok_or_else(not_found)?;
    cx.check_location(&contact.location_id)?;
    Ok(contact)
}

fn duplicate_error(existing: &Contact, field: &str) -> HlError {
    let name = existing.render(Shape::Get)["name"].clone();
    HlError::bad_request("This location does not allow duplicated contacts.").with_extra(
        "meta",
        json!({"contactName": name, "contactId": existing.id, "matchingField": field}),
    )
}

type AppState = State<Arc<App>>;

pub(crate) async fn create(State(app): AppState, req: ApiRequest) -> Response {
    api::run(&app, &CREATE, req, |cx| {
        let location_id = cx.body_str("locationId").unwrap_or_default().to_owned();
        cx.check_location(&location_id)?;
        let mut store = write(&cx.app.contacts);
        if !cx.app.config.allow_duplicate_contacts
            && let Some((existing, field)) =
                store.find_duplicate(&location_id, cx.body_str("email"), cx.body_str("phone"))
        {
            return Err(duplicate_error(existing, field));
        }
        let contact = store.insert(&location_id, &cx.body);
        Ok((
            StatusCode::CREATED,
            json!({"contact": contact.render(Shape::Create)}),
        ))
    })
}

pub(crate) async fn get(
    State(app): AppState,
    Path(contact_id): Path<String>,
    req: ApiRequest,
) -> Response {
    api::run(&app, &GET, req, |cx| {
        let store = read(&cx.app.contacts);
        let contact = owned(&store, &cx, &contact_id)?;
        Ok((
            StatusCode::OK,
            json!({"contact": contact.render(Shape::Get)}),
        ))
    })
}

pub(crate) async fn update(
    State(app): AppState,
    Path(contact_id): Path<String>,
    req: ApiRequest,
) -> Response {
    api::run(&app, &UPDATE, req, |cx| {
        let mut store = write(&cx.app.contacts);
        let contact = owned_mut(&mut store, &cx, &contact_id)?;
        contact.apply(&cx.body);
        contact.date_updated = util::now_iso();
        Ok((
            StatusCode::OK,
            json!({"succeded": true, "contact": contact.render(Shape::Get)}),
        ))
    })
}

pub(crate) async fn delete(
    State(app): AppState,
    Path(contact_id): Path<String>,
    req: ApiRequest,
) -> Response {
    api::run(&app, &DELETE, req, |cx| {
        let mut store = write(&cx.app.contacts);
        owned(&store, &cx, &contact_id)?;
        store.contacts.remove(&contact_id);
        Ok((StatusCode::OK, json!({"succeded": true})))
    })
}

pub(crate) async fn upsert(State(app): AppState, req: ApiRequest) -> Response {
    api::run(&app, &UPSERT, req, |cx| {
        let location_id = cx.body_str("locationId").unwrap_or_default().to_owned();
        cx.check_location(&location_id)?;
        let always_new = cx.app.config.allow_duplicate_contacts
            && cx.body.get("createNewIfDuplicateAllowed") == Some(&Value::Bool(true));
        let mut store = write(&cx.app.contacts);
        let existing = if always_new {
            None
        } else {
            store
                .find_duplicate(&location_id, cx.body_str("email"), cx.body_str("phone"))
                .map(|(c, _)| c.id.clone())
        };
        let (is_new, contact) = match existing {
            Some(id) => {
                let contact = store.contacts.get_mut(&id).ok_or_else(not_found)?;
                contact.apply(&cx.body);
                contact.date_updated = util::now_iso();
                (false, contact.render(Shape::Get))
            }
            None => (
                true,
                store.insert(&location_id, &cx.body).render(Shape::Get),
            ),
        };
        Ok((
            StatusCode::OK,
            json!({"new": is_new, "contact": contact, "traceId": util::random_string(24)}),
        ))
    })
}

pub(crate) async fn search(State(app): AppState, req: ApiRequest) -> Response {
    api::run(&app, &SEARCH, req, |cx| {
        let location_id = cx.body_str("locationId").unwrap_or_default();
        cx.check_location(location_id)?;
        let page_limit = cx
            .body
            .get("pageLimit")
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        let page = cx.body.get("page").and_then(Value::as_f64).unwrap_or(1.0);
        let mut errors = Vec::new();
        if !(1.0..=500.0).contains(&page_limit) || page_limit.fract() != 0.0 {
            errors.push("pageLimit must be an integer between 1 and 500".to_owned());
        }
        if page < 1.0 || page.fract() != 0.0 {
            errors.push("page must be an integer not less than 1".to_owned());
        }
        if !errors.is_empty() {
            return Err(HlError::unprocessable(errors));
        }
        let query = cx.body_str("query").map(str::to_lowercase);
        let store = read(&cx.app.contacts);
        let mut found: Vec<(&Contact, Value)> = Vec::new();
        for contact in store.contacts.values() {
            if contact.location_id != location_id {
                continue;
            }
            let shown = contact.render(Shape::Get);
            if let Some(q) = &query {
                let hit = ["name", "email", "phone", "companyName"]
                    .iter()
                    .filter_map(|k| shown.get(*k).and_then(Value::as_str))
                    .any(|v| v.to_lowercase().contains(q.as_str()));
                if !hit {
                    continue;
                }
            }
            let mut keep = true;
            for filter in cx
                .body
                .get("filters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                keep &= filter_matches(&shown, filter)?;
            }
            if keep {
                found.push((contact, shown));
            }
        }
        found.sort_by_key(|(c, _)| c.seq);
        if let Some(sort) = cx.body.get("sort").and_then(Value::as_array) {
            for key in sort.iter().rev() {
                let field = key.get("field").and_then(Value::as_str).unwrap_or("");
                let desc = key.get("direction").and_then(Value::as_str) == Some("desc");
                found.sort_by(|(_, a), (_, b)| {
                    let ord = sort_key(&a[field]).cmp(&sort_key(&b[field]));
                    if desc { ord.reverse() } else { ord }
                });
            }
        }
        let total = found.len();
        let (limit, page) = (page_limit as usize, page as usize);
        let contacts: Vec<Value> = found
            .into_iter()
            .skip((page - 1).saturating_mul(limit))
            .take(limit)
            .map(|(_, shown)| shown)
            .collect();
        Ok((
            StatusCode::OK,
            json!({"contacts": contacts, "total": total}),
        ))
    })
}

fn sort_key(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_lowercase(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// One search filter: `{field, operator, value}` or `{group: AND|OR, filters: [...]}`.
fn filter_matches(contact: &Value, filter: &Value) -> Result<bool, HlError> {
    if let Some(group) = filter.get("group").and_then(Value::as_str) {
        let mut results = Vec::new();
        for f in filter
            .get("filters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            results.push(filter_matches(contact, f)?);
        }
        return match group.to_ascii_uppercase().as_str() {
            "AND" => Ok(results.iter().all(|r| *r)),
            "OR" => Ok(results.iter().any(|r| *r)),
            _ => Err(HlError::unprocessable(vec![format!(
                "filters.group must be one of the following values: AND, OR"
            )])),
        };
    }
    let field = filter.get("field").and_then(Value::as_str).unwrap_or("");
    let operator = filter.get("operator").and_then(Value::as_str).unwrap_or("");
    let wanted = filter.get("value").map(sort_key).unwrap_or_default();
    let actual = &contact[field];
    let values: Vec<String> = match actual {
        Value::Array(items) => items.iter().map(sort_key).collect(),
        Value::Null => Vec::new(),
        other => vec![sort_key(other)],
    };
    let present = values.iter().any(|v| !v.is_empty());
    Ok(match operator {
        "eq" => values.contains(&wanted),
        "not_eq" => !values.contains(&wanted),
        "contains" => values.iter().any(|v| v.contains(&wanted)),
        "not_contains" => !values.iter().any(|v| v.contains(&wanted)),
        "exists" => present,
        "not_exists" => !present,
        _ => {
            return Err(HlError::unprocessable(vec![format!(
                "filters.operator must be one of the following values: eq, not_eq, contains, \
                 not_contains, exists, not_exists"
            )]));
        }
    })
}

pub(crate) async fn duplicate(State(app): AppState, req: ApiRequest) -> Response {
    api::run(&app, &DUPLICATE, req, |cx| {
        let location_id = cx.query("locationId").unwrap_or_default();
        cx.check_location(location_id)?;
        let store = read(&cx.app.contacts);
        let found = store
            .find_duplicate(location_id, cx.query("email"), cx.query("number"))
            .map(|(c, _)| c.render(Shape::Get));
        Ok((StatusCode::OK, json!({"contact": found})))
    })
}

pub(crate) async fn add_tags(
    State(app): AppState,
    Path(contact_id): Path<String>,
    req: ApiRequest,
) -> Response {
    api::run(&app, &ADD_TAGS, req, |cx| {
        let mut store = write(&cx.app.contacts);
        let contact = owned_mut(&mut store, &cx, &contact_id)?;
        let mut tags = contact.tags();
        tags.extend(cx.body.get("tags").map(value_strings).unwrap_or_default());
        contact.set_tags(dedup(tags));
        contact.date_updated = util::now_iso();
        Ok((StatusCode::CREATED, json!({"tags": contact.tags()})))
    })
}

pub(crate) async fn remove_tags(
    State(app): AppState,
    Path(contact_id): Path<String>,
    req: ApiRequest,
) -> Response {
    api::run(&app, &REMOVE_TAGS, req, |cx| {
        let mut store = write(&cx.app.contacts);
        let contact = owned_mut(&mut store, &cx, &contact_id)?;
        let gone = cx.body.get("tags").map(value_strings).unwrap_or_default();
        let kept: Vec<String> = contact
            .tags()
            .into_iter()
            .filter(|t| !gone.contains(t))
            .collect();
        contact.set_tags(kept);
        contact.date_updated = util::now_iso();
        Ok((StatusCode::OK, json!({"tags": contact.tags()})))
    })
}

pub(crate) async fn list_notes(
    State(app): AppState,
    Path(contact_id): Path<String>,
    req: ApiRequest,
) -> Response {
    api::run(&app, &LIST_NOTES, req, |cx| {
        let store = read(&cx.app.contacts);
        let contact = owned(&store, &cx, &contact_id)?;
        let notes: Vec<Value> = contact.notes.iter().map(|n| contact.note(n)).collect();
        Ok((StatusCode::OK, json!({"notes": notes})))
    })
}

fn opt_string(body: &Map<String, Value>, key: &str) -> Option<String> {
    body.get(key).and_then(Value::as_str).map(str::to_owned)
}

pub(crate) async fn create_note(
    State(app): AppState,
    Path(contact_id): Path<String>,
    req: ApiRequest,
) -> Response {
    api::run(&app, &CREATE_NOTE, req, |cx| {
        let mut store = write(&cx.app.contacts);
        let contact = owned_mut(&mut store, &cx, &contact_id)?;
        let note = Note {
            id: util::new_id(),
            body: opt_string(&cx.body, "body").unwrap_or_default(),
            user_id: opt_string(&cx.body, "userId"),
            title: opt_string(&cx.body, "title"),
            color: opt_string(&cx.body, "color"),
            pinned: cx.body.get("pinned") == Some(&Value::Bool(true)),
            date_added: util::now_iso(),
        };
        let shown = contact.note(&note);
        contact.notes.push(note);
        Ok((StatusCode::CREATED, json!({"note": shown})))
    })
}

fn note_not_found() -> HlError {
    HlError::not_found("Note not found")
}

pub(crate) async fn get_note(
    State(app): AppState,
    Path((contact_id, note_id)): Path<(String, String)>,
    req: ApiRequest,
) -> Response {
    api::run(&app, &GET_NOTE, req, |cx| {
        let store = read(&cx.app.contacts);
        let contact = owned(&store, &cx, &contact_id)?;
        let note = contact
            .notes
            .iter()
            .find(|n| n.id == note_id)
            .ok_or_else(note_not_found)?;
        Ok((StatusCode::OK, json!({"note": contact.note(note)})))
    })
}

pub(crate) async fn update_note(
    State(app): AppState,
    Path((contact_id, note_id)): Path<(String, String)>,
    req: ApiRequest,
) -> Response {
    api::run(&app, &UPDATE_NOTE, req, |cx| {
        let mut store = write(&cx.app.contacts);
        let contact = owned_mut(&mut store, &cx, &contact_id)?;
        let note = contact
            .notes
            .iter_mut()
            .find(|n| n.id == note_id)
            .ok_or_else(note_not_found)?;
        if let Some(body) = opt_string(&cx.body, "body") {
            note.body = body;
        }
        for (key, slot) in [
            ("userId", &mut note.user_id),
            ("title", &mut note.title),
            ("color", &mut note.color),
        ] {
            if cx.body.contains_key(key) {
                *slot = opt_string(&cx.body, key);
            }
        }
        if let Some(pinned) = cx.body.get("pinned").and_then(Value::as_bool) {
            note.pinned = pinned;
        }
        let note = note.clone();
        Ok((StatusCode::OK, json!({"note": contact.note(&note)})))
    })
}

pub(crate) async fn delete_note(
    State(app): AppState,
    Path((contact_id, note_id)): Path<(String, String)>,
    req: ApiRequest,
) -> Response {
    api::run(&app, &DELETE_NOTE, req, |cx| {
        let mut store = write(&cx.app.contacts);
        let contact = owned_mut(&mut store, &cx, &contact_id)?;
        let before = contact.notes.len();
        contact.notes.retain(|n| n.id != note_id);
        if contact.notes.len() == before {
            return Err(note_not_found());
        }
        Ok((StatusCode::OK, json!({"succeded": true})))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_become_e164() {
        assert_eq!(
            normalize_phone("+1 888-888-8888").as_deref(),
            Some("+18888888888")
        );
        assert_eq!(
            normalize_phone("(888) 888-8888").as_deref(),
            Some("+18888888888")
        );
        assert_eq!(
            normalize_phone("+44 20 7946 0958").as_deref(),
            Some("+442079460958")
        );
        assert_eq!(normalize_phone("n/a"), None);
    }

    #[test]
    fn custom_fields_are_written_as_field_value_and_read_as_value() {
        let mut store = ContactStore::default();
        let body = json!({"firstName": "Ada", "customFields": [{"id": "cf1", "key": "k", "field_value": "v"}]});
        let shown = store.seed("loc", body.as_object().unwrap());
        assert_eq!(shown["customFields"], json!([{"id": "cf1", "value": "v"}]));
        assert_eq!(shown["name"], "Ada");
        assert_eq!(shown["firstNameLowerCase"], "ada");
    }
}
