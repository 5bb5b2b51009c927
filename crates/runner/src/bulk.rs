//! Bulk runs: one action over many input rows (`integ run ACTION --batch FILE`).
