//! The laboratory's domain and storage. No HTTP, no sockets.
