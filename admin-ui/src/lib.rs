//! ecluse-admin-ui
