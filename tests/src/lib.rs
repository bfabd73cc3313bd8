//! ecluse-tests
