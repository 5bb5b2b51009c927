//! Routing, the fault and counting middleware, and our own accept loop (hyper, HTTP/1.1).

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::error::HlError;
use crate::state::{App, FaultAction, lock};
use crate::{contacts, oauth};

pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/oauth/chooselocation", get(oauth::choose_location))
        .route("/v2/oauth/chooselocation", get(oauth::choose_location))
        .route("/oauth/chooselocation/approve", post(oauth::consent))
        .route("/oauth/token", post(oauth::token))
        .route("/contacts", post(contacts::create))
        .route("/contacts/", post(contacts::create))
        .route("/contacts/upsert", post(contacts::upsert))
        .route("/contacts/search", post(contacts::search))
        .route("/contacts/search/duplicate", get(contacts::duplicate))
        .route(
            "/contacts/{contactId}",
            get(contacts::get)
                .put(contacts::update)
                .delete(contacts::delete),
        )
        .route(
            "/contacts/{contactId}/tags",
            post(contacts::add_tags).delete(contacts::remove_tags),
        )
        .route(
            "/contacts/{contactId}/notes",
            get(contacts::list_notes).post(contacts::create_note),
        )
        .route(
            "/contacts/{contactId}/notes/{id}",
            get(contacts::get_note)
                .put(contacts::update_note)
                .delete(contacts::delete_note),
        )
        .fallback(no_route)
        .method_not_allowed_fallback(no_route)
        .layer(middleware::from_fn_with_state(app.clone(), edge))
        .with_state(app)
}

/// HighLevel (NestJS) answers an unknown route `404 Cannot METHOD /path`.
async fn no_route(method: Method, uri: Uri) -> Response {
    HlError::new(
        StatusCode::NOT_FOUND,
        format!("Cannot {method} {}", uri.path()),
    )
    .into_response()
}

/// Marks a response whose connection is to be closed without sending it.
#[derive(Clone, Copy)]
struct DropConnection;

/// Faults (latency, injected 5xx, dropped connections), then the counters, for every request.
async fn edge(
    State(app): State<Arc<App>>,
    matched: Option<MatchedPath>,
    req: Request,
    next: Next,
) -> Response {
    let route = matched
        .as_ref()
        .map_or("<unmatched>", MatchedPath::as_str)
        .to_owned();
    let method = req.method().as_str().to_owned();
    let (latency, action) = lock(&app.dice).plan(route.starts_with("/contacts"));
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let response = match action {
        FaultAction::Pass => next.run(req).await,
        FaultAction::Error(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let message = status.canonical_reason().unwrap_or("Server Error");
            HlError::new(status, message).into_response()
        }
        FaultAction::Drop => {
            let mut response = Response::default();
            response.extensions_mut().insert(DropConnection);
            response
        }
    };
    let status = (action != FaultAction::Drop).then(|| response.status().as_u16());
    {
        let mut stats = lock(&app.stats);
        stats.record(&method, &route, status);
        if matches!(action, FaultAction::Error(_)) {
            stats.injected_errors += 1;
        }
    }
    tracing::debug!(%method, %route, status = ?status, "request");
    response
}

/// The service hyper drives: the router, except that a `DropConnection` answer becomes an
/// error, on which hyper closes the socket without writing anything.
#[derive(Clone)]
struct Connection {
    router: Router,
}

#[derive(Debug, thiserror::Error)]
#[error("connection dropped by fault injection")]
struct DroppedConnection;

impl hyper::service::Service<hyper::Request<Incoming>> for Connection {
    type Response = Response;
    type Error = DroppedConnection;
    type Future = Pin<Box<dyn Future<Output = Result<Response, DroppedConnection>> + Send>>;

    fn call(&self, req: hyper::Request<Incoming>) -> Self::Future {
        let mut router = self.router.clone();
        Box::pin(async move {
            let response = tower_service::Service::call(&mut router, req)
                .await
                .unwrap_or_else(|never: Infallible| match never {});
            if response.extensions().get::<DropConnection>().is_some() {
                Err(DroppedConnection)
            } else {
                Ok(response)
            }
        })
    }
}

pub(crate) async fn bind(addr: SocketAddr) -> io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

/// Accepts until `stop` fires (or its sender is dropped), then closes every connection.
pub(crate) async fn serve(listener: TcpListener, app: Arc<App>, mut stop: oneshot::Receiver<()>) {
    let router = router(app);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let _ = stream.set_nodelay(true);
                    let service = Connection { router: router.clone() };
                    connections.spawn(async move {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .timer(TokioTimer::new())
                            .keep_alive(true)
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    }
    connections.shutdown().await;
}
