//! OAuth 2.0 flows and the token store (being written).
