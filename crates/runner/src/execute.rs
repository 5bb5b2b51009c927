//! Sending requests: retries, rate limits, output (being written).
