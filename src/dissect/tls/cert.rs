//! X.509 certificate names for the Certificate message. Work in progress.
