//! Placeholder: this module is being written on its own branch.
