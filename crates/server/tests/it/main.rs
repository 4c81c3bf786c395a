//! The server in process (tower `oneshot`) and over a real socket, on a tiny simulated store.

mod api;
mod fixture;
mod governance;
mod ingest;
mod maps;
mod pages;
mod security;
mod socket;
mod tls;
