//! Building the exact request of an action (being written).
