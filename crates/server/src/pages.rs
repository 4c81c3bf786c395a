//! The web dashboard (server-rendered with maud).

use crate::AppState;
use axum::Router;

/// The dashboard's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
