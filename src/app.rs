//! The application: shared state, the one route table, the middleware stack, and `serve`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::handler::Handler;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{MethodRouter, get};
use axum::serve::ListenerExt;
use tower::ServiceExt as _;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::cache::Cache;
use crate::config::Config;
use crate::db::Db;
use crate::error::{AppError, ErrorMark};
use crate::wire::MispUrl;
use crate::{auth_keys, events, orgs, roles, servers, types, users};

/// What every handler can reach. Cheap to clone: pools and `Arc`s.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub cache: Cache,
    pub config: Arc<Config>,
    /// Keys API keys are HMAC'd under; kept in the database so every node shares it.
    pub secret: Arc<Vec<u8>>,
    pub instance_uuid: Arc<String>,
    /// Node-local caches of access data (keys, sharing groups, organisations).
    pub caches: Arc<crate::cache::local::AccessCaches>,
}

/// The router behind MISP's URL rewrite: what `serve` runs and what tests call.
pub type App = tower::util::MapRequest<Router, fn(Request) -> Request>;

/// MISP accepts POST and PUT for every add and edit action.
fn write<H, T>(h: H) -> MethodRouter<AppState>
where
    H: Handler<T, AppState>,
    T: 'static,
{
    axum::routing::post(h.clone()).put(h).fallback(only("POST"))
}

/// Deletes take POST or DELETE.
fn remove<H, T>(h: H) -> MethodRouter<AppState>
where
    H: Handler<T, AppState>,
    T: 'static,
{
    axum::routing::post(h.clone())
        .delete(h)
        .fallback(only("POST"))
}

/// Reads take GET (and HEAD, which axum derives from GET: the existence checks).
fn read<H, T>(h: H) -> MethodRouter<AppState>
where
    H: Handler<T, AppState>,
    T: 'static,
{
    get(h).fallback(only("GET"))
}

/// Searches take GET (URL parameters) and POST (a JSON body).
fn search<H, T>(h: H) -> MethodRouter<AppState>
where
    H: Handler<T, AppState>,
    T: 'static,
{
    get(h.clone()).post(h).fallback(only("POST"))
}

fn only(
    verb: &'static str,
) -> impl Fn() -> std::future::Ready<AppError> + Clone + Send + Sync + 'static {
    move || {
        std::future::ready(AppError::MethodNotAllowed(format!(
            "This method is only accessible via {verb} requests."
        )))
    }
}

async fn not_found() -> AppError {
    AppError::not_found("Not Found")
}

/// The one route table, in MISP's canonical paths (see `wire::url` for the rewrite).
fn routes() -> Router<AppState> {
    Router::new()
        .route("/servers/getversion", read(servers::routes::get_version))
        .route("/events/add", write(events::routes::add))
        .route(
            "/events/view/{id}",
            get(events::routes::view).post(events::routes::view),
        )
        .route(
            "/events/index",
            get(events::routes::index).post(events::routes::index),
        )
        .route("/events/edit/{id}", write(events::edit::edit))
        .route("/events/delete/{id}", remove(events::routes::delete))
        .route("/events/publish/{id}", write(events::routes::publish))
        .route("/events/unpublish/{id}", write(events::routes::unpublish))
        .route(
            "/servers/getpymispversion",
            read(servers::routes::get_pymisp_version),
        )
        .route(
            "/attributes/describetypes",
            read(types::routes::describe_types),
        )
        .route("/organisations/index", read(orgs::routes::index))
        .route("/organisations/view/{id}", read(orgs::routes::view))
        .route("/admin/organisations/add", write(orgs::routes::add))
        .route("/admin/organisations/edit/{id}", write(orgs::routes::edit))
        .route(
            "/admin/organisations/delete/{id}",
            remove(orgs::routes::delete),
        )
        .route("/users/view/{id}", read(users::routes::view))
        .route("/users/edit/{id}", write(users::routes::edit_self))
        .route("/admin/users/index", read(users::routes::admin_index))
        .route("/admin/users/view/{id}", read(users::routes::admin_view))
        .route("/admin/users/add", write(users::routes::admin_add))
        .route("/admin/users/edit/{id}", write(users::routes::admin_edit))
        .route(
            "/admin/users/delete/{id}",
            remove(users::routes::admin_delete),
        )
        .route("/roles/index", read(roles::routes::index))
        .route(
            "/attributes/add/{event}",
            write(crate::attributes::routes::add),
        )
        .route(
            "/attributes/edit/{id}",
            write(crate::attributes::routes::edit),
        )
        .route(
            "/attributes/delete/{id}",
            remove(crate::attributes::routes::delete),
        )
        .route(
            "/attributes/delete/{id}/{hard}",
            remove(crate::attributes::routes::delete),
        )
        .route(
            "/attributes/restore/{id}",
            write(crate::attributes::routes::restore),
        )
        .route(
            "/attributes/view/{id}",
            read(crate::attributes::routes::view),
        )
        .route("/attributes/index", read(crate::attributes::routes::index))
        // routes: search
        .route("/events/restsearch", search(crate::search::routes::events))
        .route(
            "/events/restsearch/{*args}",
            search(crate::search::routes::events),
        )
        .route(
            "/attributes/restsearch",
            search(crate::search::routes::attributes),
        )
        .route(
            "/attributes/restsearch/{*args}",
            search(crate::search::routes::attributes),
        )
        .route(
            "/objects/restsearch",
            search(crate::search::routes::objects),
        )
        .route(
            "/objects/restsearch/{*args}",
            search(crate::search::routes::objects),
        )
        .route(
            "/attributes/bro/{*args}",
            search(crate::search::routes::bro),
        )
        .route("/objects/add/{event}", write(crate::objects::routes::add))
        .route(
            "/objects/add/{event}/{template}",
            write(crate::objects::routes::add),
        )
        .route("/objects/edit/{id}", write(crate::objects::routes::edit))
        .route(
            "/objects/edit/{id}/{update}",
            write(crate::objects::routes::edit),
        )
        .route(
            "/objects/edit/{id}/{update}/{only_add}",
            write(crate::objects::routes::edit),
        )
        .route("/objects/view/{id}", read(crate::objects::routes::view))
        .route(
            "/objects/delete/{id}",
            remove(crate::objects::routes::delete),
        )
        .route(
            "/objects/delete/{id}/{hard}",
            remove(crate::objects::routes::delete),
        )
        .route(
            "/object_references/add",
            write(crate::objects::routes::add_reference),
        )
        .route(
            "/object_references/add/{object}",
            write(crate::objects::routes::add_reference),
        )
        .route(
            "/object_references/delete/{id}",
            remove(crate::objects::routes::delete_reference),
        )
        .route(
            "/object_references/delete/{id}/{hard}",
            remove(crate::objects::routes::delete_reference),
        )
        .route(
            "/tags/index",
            get(crate::tags::routes::index).post(crate::tags::routes::index),
        )
        .route("/tags/view/{id}", read(crate::tags::routes::view))
        .route("/tags/add", write(crate::tags::routes::add))
        .route("/tags/edit/{id}", write(crate::tags::routes::edit))
        .route("/tags/delete/{id}", remove(crate::tags::routes::delete))
        .route(
            "/tags/search",
            get(crate::tags::routes::search).post(crate::tags::routes::search),
        )
        .route(
            "/tags/search/{tag}",
            get(crate::tags::routes::search).post(crate::tags::routes::search),
        )
        .route(
            "/tags/search/{tag}/{strict}",
            get(crate::tags::routes::search).post(crate::tags::routes::search),
        )
        .route(
            "/tags/attachtagtoobject",
            write(crate::tags::tagging::attach_tag_to_object),
        )
        .route(
            "/tags/attachtagtoobject/{uuid}",
            write(crate::tags::tagging::attach_tag_to_object),
        )
        .route(
            "/tags/attachtagtoobject/{uuid}/{tag}",
            write(crate::tags::tagging::attach_tag_to_object),
        )
        .route(
            "/tags/attachtagtoobject/{uuid}/{tag}/{local}",
            write(crate::tags::tagging::attach_tag_to_object),
        )
        .route(
            "/tags/removetagfromobject",
            write(crate::tags::tagging::remove_tag_from_object),
        )
        .route(
            "/tags/removetagfromobject/{uuid}",
            write(crate::tags::tagging::remove_tag_from_object),
        )
        .route(
            "/tags/removetagfromobject/{uuid}/{tag}",
            write(crate::tags::tagging::remove_tag_from_object),
        )
        .route("/events/addtag", write(crate::tags::legacy::event_add_tag))
        .route(
            "/events/addtag/{id}",
            write(crate::tags::legacy::event_add_tag),
        )
        .route(
            "/events/addtag/{id}/{tag}",
            write(crate::tags::legacy::event_add_tag),
        )
        .route(
            "/events/removetag",
            write(crate::tags::legacy::event_remove_tag),
        )
        .route(
            "/events/removetag/{id}",
            write(crate::tags::legacy::event_remove_tag),
        )
        .route(
            "/events/removetag/{id}/{tag}",
            write(crate::tags::legacy::event_remove_tag),
        )
        .route(
            "/attributes/addtag",
            write(crate::tags::legacy::attribute_add_tag),
        )
        .route(
            "/attributes/addtag/{id}",
            write(crate::tags::legacy::attribute_add_tag),
        )
        .route(
            "/attributes/addtag/{id}/{tag}",
            write(crate::tags::legacy::attribute_add_tag),
        )
        .route(
            "/attributes/removetag",
            write(crate::tags::legacy::attribute_remove_tag),
        )
        .route(
            "/attributes/removetag/{id}",
            write(crate::tags::legacy::attribute_remove_tag),
        )
        .route(
            "/attributes/removetag/{id}/{tag}",
            write(crate::tags::legacy::attribute_remove_tag),
        )
        .route(
            "/sharing_groups/add",
            write(crate::sharing_groups::routes::add),
        )
        .route(
            "/sharing_groups/edit/{id}",
            write(crate::sharing_groups::routes::edit),
        )
        .route(
            "/sharing_groups/delete/{id}",
            remove(crate::sharing_groups::routes::delete),
        )
        .route(
            "/sharing_groups/index",
            read(crate::sharing_groups::routes::index),
        )
        .route(
            "/sharing_groups/view/{id}",
            read(crate::sharing_groups::routes::view),
        )
        .route(
            "/sharing_groups/addorg",
            write(crate::sharing_groups::routes::add_org),
        )
        .route(
            "/sharing_groups/addorg/{*args}",
            write(crate::sharing_groups::routes::add_org),
        )
        .route(
            "/sharing_groups/removeorg",
            write(crate::sharing_groups::routes::remove_org),
        )
        .route(
            "/sharing_groups/removeorg/{*args}",
            write(crate::sharing_groups::routes::remove_org),
        )
        .route(
            "/sharing_groups/addserver",
            write(crate::sharing_groups::routes::add_server),
        )
        .route(
            "/sharing_groups/addserver/{*args}",
            write(crate::sharing_groups::routes::add_server),
        )
        .route(
            "/sharing_groups/removeserver",
            write(crate::sharing_groups::routes::remove_server),
        )
        .route(
            "/sharing_groups/removeserver/{*args}",
            write(crate::sharing_groups::routes::remove_server),
        )
        .route(
            "/event_reports/add",
            write(crate::reports::routes::add_without_event),
        )
        .route(
            "/event_reports/add/{event}",
            write(crate::reports::routes::add),
        )
        .route(
            "/event_reports/view/{id}",
            read(crate::reports::routes::view),
        )
        .route(
            "/event_reports/edit/{id}",
            write(crate::reports::routes::edit),
        )
        .route(
            "/event_reports/index",
            read(crate::reports::routes::index).post(crate::reports::routes::index),
        )
        .route(
            "/event_reports/delete/{id}",
            remove(crate::reports::routes::delete),
        )
        .route(
            "/event_reports/delete/{id}/{hard}",
            remove(crate::reports::routes::delete_with_flag),
        )
        .route(
            "/event_reports/restore/{id}",
            write(crate::reports::routes::restore),
        )
        .route("/auth_keys/add/{user}", write(auth_keys::routes::add))
        .route("/auth_keys/index", read(auth_keys::routes::index))
        .route("/auth_keys/view/{id}", read(auth_keys::routes::view))
        .route("/auth_keys/edit/{id}", write(auth_keys::routes::edit))
        .route("/auth_keys/delete/{id}", remove(auth_keys::routes::delete))
        // routes: correlation
        .route(
            "/correlation_exclusions/index",
            read(crate::correlation::routes::index),
        )
        .route(
            "/correlation_exclusions/view/{id}",
            read(crate::correlation::routes::view),
        )
        .route(
            "/correlation_exclusions/add",
            write(crate::correlation::routes::add),
        )
        .route(
            "/correlation_exclusions/delete/{id}",
            remove(crate::correlation::routes::delete),
        )
        .route(
            "/correlation_exclusions/clean",
            write(crate::correlation::routes::clean),
        )
        .fallback(not_found)
}

/// Gives every error response MISP's JSON body, with the request path as `url`: handler errors
/// (`ErrorMark`) and bare ones from the framework (body limit, panics) alike.
async fn render_errors(req: Request, next: Next) -> Response {
    let misp = req.extensions().get::<MispUrl>().cloned();
    let url = misp
        .as_ref()
        .map_or_else(|| req.uri().path().to_string(), |u| u.original.clone());
    let action_url = misp.map_or_else(|| url.clone(), |u| u.action_url);
    let resp = next.run(req).await;
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let mut rendered = match resp.extensions().get::<ErrorMark>() {
        // "Save failed" envelopes name the action, exceptions the request path (as MISP).
        Some(mark) if matches!(*mark.0, AppError::Invalid { .. }) => {
            crate::error::error_response(status, Some(mark), &action_url)
        }
        Some(mark) => crate::error::error_response(status, Some(mark), &url),
        None if (status.is_client_error() || status.is_server_error()) && !is_json => {
            crate::error::error_response(status, None, &url)
        }
        None => return resp,
    };
    // Keep what the handler said besides the body (a `Location`, rate-limit headers...).
    for (name, value) in resp.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rendered.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rendered
}

/// Controllers whose writes change who may see or do what: a successful write to any of them
/// clears this node's access caches (see `cache::local`).
const ACCESS_CONTROLLERS: &[&str] = &[
    "users",
    "auth_keys",
    "organisations",
    "roles",
    "sharing_groups",
];

async fn invalidate_caches(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut segments = req.uri().path().trim_start_matches("/admin").split('/');
    let controller = segments.nth(1).unwrap_or("").to_string();
    // A POSTed search reads only.
    let searches = matches!(segments.next(), Some("restsearch" | "index" | "bro"));
    let writes = !searches
        && !matches!(
            *req.method(),
            axum::http::Method::GET | axum::http::Method::HEAD
        );
    if writes {
        state.caches.write_boundary();
    }
    let resp = next.run(req).await;
    if writes {
        // Any write may change an event document (two in one second leave its timestamp, the
        // snapshot key, unchanged); writes to access data also change who sees what.
        state.caches.write_boundary();
        if resp.status().is_success() && ACCESS_CONTROLLERS.contains(&controller.as_str()) {
            state.caches.clear();
        }
    }
    resp
}

fn request_span(req: &Request) -> tracing::Span {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let path = req
        .extensions()
        .get::<MispUrl>()
        .map_or_else(|| req.uri().path().to_string(), |u| u.original.clone());
    tracing::info_span!("request", method = %req.method(), path = %path, route = route.as_deref().unwrap_or("-"))
}

/// The whole application for `state`: routes, middleware and the MISP URL rewrite in front.
pub fn build_app(state: AppState) -> App {
    let max_body = state.config.max_body_bytes;
    let router = routes()
        .layer(DefaultBodyLimit::max(max_body))
        .layer(RequestDecompressionLayer::new())
        .layer(CompressionLayer::new())
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(middleware::from_fn_with_state(state.clone(), invalidate_caches))
        .layer(middleware::from_fn(render_errors))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .with_state(state);
    router.map_request(crate::wire::rewrite as fn(Request) -> Request)
}

/// Connects storage and cache, runs migrations and first-start set-up: the state to serve with.
pub async fn prepare(config: Config) -> anyhow::Result<AppState> {
    let config = config.normalized();
    let db = Db::connect(&config.database_url).await?;
    db.migrate()
        .await
        .map_err(|source| crate::db::ConnectError::Migrate {
            url: crate::db::redact_url(&config.database_url),
            source,
        })?;
    let cache = Cache::connect(config.redis_url.as_deref()).await?;
    let instance = crate::bootstrap::first_start(&db, &config).await?;
    Ok(AppState {
        db,
        cache,
        config: Arc::new(config),
        secret: Arc::new(instance.secret),
        instance_uuid: Arc::new(instance.uuid),
        caches: Arc::default(),
    })
}

/// Serves until Ctrl-C or SIGTERM, then lets in-flight requests finish.
pub async fn serve(state: AppState) -> anyhow::Result<()> {
    let listen = state.config.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?
        // Streamed responses go out in several writes; without TCP_NODELAY, Nagle's algorithm
        // and delayed ACKs add ~40 ms to each of them.
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    tracing::info!(%listen, base_url = %state.config.base_url(), "Cairn is serving");
    let db = state.db.clone();
    let app = build_app(state);
    axum::serve(
        listener,
        axum::ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(app),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tokio::time::timeout(Duration::from_secs(5), db.close())
        .await
        .ok();
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
