//! Secrets that cannot be printed by accident (being written).
