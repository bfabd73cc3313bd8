//! ecluse-quarantine
