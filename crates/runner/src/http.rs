//! The shared HTTP client (being written).
