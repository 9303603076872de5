//! `/events/restSearch`, `/attributes/restSearch`, `/objects/restSearch` and the Zeek download
//! `/attributes/bro/download/<type>/...`: parse, plan, answer headers, stream.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::json::{JsonAttributes, JsonObjects};
use super::run::{self, Feeder, Search, Writer};
use super::store::{self, Plan};
use crate::acl::Viewer;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::exports::{Exporter, Format, Scope};
use crate::wire::input::Body;
use crate::wire::url::MispUrl;

/// The positional parameters after `restSearch/` in the URL.
fn positional(url: &MispUrl) -> Vec<String> {
    let path = url.original.split('?').next().unwrap_or("");
    let lower = path.to_ascii_lowercase();
    let Some(at) = lower.find("restsearch") else {
        return Vec::new();
    };
    path[at + "restsearch".len()..]
        .split('/')
        .filter(|s| !s.is_empty() && !s.contains(':') && !s.starts_with(".json"))
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect()
}

/// The merged filters of a request, or MISP's errors for an empty one.
fn read(
    method: &Method,
    url: &MispUrl,
    body: Body,
    scope: Scope,
) -> AppResult<(Map<String, Value>, Format)> {
    let body = body.object("request")?;
    let named: Vec<(String, String)> = url
        .named
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let pos = positional(url);
    if body.is_empty() && named.is_empty() && pos.is_empty() {
        return Err(AppError::BadRequest(if method == Method::GET {
            "Restsearch queries using GET and no parameters are not allowed. If you have passed parameters via a JSON body, make sure you use POST requests.".into()
        } else {
            "Either specify the search terms in the url, or POST a json with the filter parameters."
                .into()
        }));
    }
    let mut params = super::params::merge(body, named, &pos, scope);
    let name = params
        .get("returnFormat")
        .and_then(super::scalar_text)
        .filter(|s| !s.is_empty())
        .or_else(|| url.ext.clone().filter(|e| e != "json"))
        .unwrap_or_else(|| "json".into());
    let format = Format::parse(&name).filter(|f| *f != Format::Zeek || scope == Scope::Attributes);
    let format = format.ok_or_else(|| AppError::not_found("Invalid output format."))?;
    params.insert("returnFormat".into(), Value::String(format.name().into()));
    Ok((params, format))
}

pub async fn events(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    method: Method,
    Extension(url): Extension<MispUrl>,
    body: Body,
) -> AppResult<Response> {
    let (params, format) = read(&method, &url, body, Scope::Events)?;
    execute(state, user, Scope::Events, format, params, None).await
}

pub async fn attributes(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    method: Method,
    Extension(url): Extension<MispUrl>,
    body: Body,
) -> AppResult<Response> {
    let (params, format) = read(&method, &url, body, Scope::Attributes)?;
    execute(state, user, Scope::Attributes, format, params, None).await
}

pub async fn objects(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    method: Method,
    Extension(url): Extension<MispUrl>,
    body: Body,
) -> AppResult<Response> {
    let (params, format) = read(&method, &url, body, Scope::Objects)?;
    if format != Format::Json {
        return Err(AppError::not_found("Invalid output format."));
    }
    execute(state, user, Scope::Objects, format, params, None).await
}

/// `/attributes/bro/download/<type>/<tags>/<eventId>/<from>/<to>/<last>/<enforceWarninglist>`
/// (spec/sharing.md 4.7): to_ids attributes of published events as a Zeek Intel file.
pub async fn bro(
    State(state): State<AppState>,
    user: Arc<CurrentUser>,
    Extension(url): Extension<MispUrl>,
) -> AppResult<Response> {
    let path = url.original.split('?').next().unwrap_or("").to_string();
    let lower = path.to_ascii_lowercase();
    let rest = lower
        .find("/download")
        .map_or("", |at| &path[at + "/download".len()..]);
    let slots: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let group = slots.first().cloned().unwrap_or_else(|| "all".into());
    let Some(types) = crate::exports::zeek::types_of(&group) else {
        // MISP answers an unknown type with an Intel file holding only its header line.
        let opts = run::options(&state, &user, Arc::new(Map::new()));
        let mut zeek =
            crate::exports::zeek::Zeek::new(&opts, "all").map_err(AppError::BadRequest)?;
        let mut out = Vec::new();
        zeek.header(&mut out);
        zeek.footer(&mut out);
        let mut resp = out.into_response();
        let h = resp.headers_mut();
        h.insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("text/plain; charset=UTF-8"),
        );
        if let Ok(v) = format!("attachment; filename=\"misp.{group}.intel\"").parse() {
            h.insert(axum::http::header::CONTENT_DISPOSITION, v);
        }
        return Ok(resp);
    };
    let mut params = Map::new();
    for (key, raw) in ["tags", "eventid", "from", "to", "last"]
        .iter()
        .zip(slots.iter().skip(1))
    {
        if !matches!(raw.as_str(), "" | "null" | "0" | "false") {
            params.insert((*key).into(), Value::String(raw.clone()));
        }
    }
    params.insert(
        "type".into(),
        Value::Array(types.iter().map(|t| Value::String((*t).into())).collect()),
    );
    let event = params.get("eventid").and_then(super::scalar_text);
    let mut resp = execute(
        state,
        user,
        Scope::Attributes,
        Format::Zeek,
        params,
        Some(group.clone()),
    )
    .await?;
    let name = match event {
        Some(id) => format!("misp.{group}.event_{id}.intel"),
        None => format!("misp.{group}.intel"),
    };
    let h = resp.headers_mut();
    h.remove("X-Result-Count");
    h.remove("X-Export-Module-Used");
    h.remove("X-Response-Format");
    h.remove("X-Skipped-Elements-Count");
    if let Ok(v) = format!("attachment; filename=\"{name}\"").parse() {
        h.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// The writer of a non-JSON format.
pub(super) fn exporter(
    search: &Search,
    opts: &crate::exports::Options,
) -> AppResult<Box<dyn Exporter>> {
    use crate::exports as x;
    let bad = |e: String| AppError::BadRequest(e);
    Ok(match search.format {
        Format::Csv => Box::new(x::csv::Csv::new(opts).map_err(bad)?),
        Format::Text => Box::new(x::text::Text::new(opts).map_err(bad)?),
        Format::Hashes => Box::new(x::hashes::Hashes::new(opts).map_err(bad)?),
        Format::Cache => Box::new(x::cache::Cache::new(opts).map_err(bad)?),
        Format::Rpz => Box::new(x::rpz::Rpz::new(opts).map_err(bad)?),
        Format::Zeek => Box::new(
            x::zeek::Zeek::new(opts, search.zeek_group.as_deref().unwrap_or("all")).map_err(bad)?,
        ),
        Format::Suricata => Box::new(x::suricata::Suricata::new(opts).map_err(bad)?),
        Format::Snort => Box::new(x::snort::Snort::new(opts).map_err(bad)?),
        Format::Stix2 => Box::new(x::stix2::Stix2::new(opts).map_err(bad)?),
        Format::Yara => Box::new(x::yara::Yara::new(opts, false).map_err(bad)?),
        Format::YaraJson => Box::new(x::yara::Yara::new(opts, true).map_err(bad)?),
        Format::Json | Format::Xml | Format::Count => unreachable!("answered without an exporter"),
    })
}

/// `misp.event.<id|list>.<ext>` for the events scope.
pub(super) fn filename(search: &Search) -> Option<String> {
    if search.scope != Scope::Events {
        return None;
    }
    let f = &search.plan.f.eventid;
    let id = match (f.any.as_slice(), f.all.is_empty() && f.not.is_empty()) {
        ([one], true) => crate::wire::IdRef::parse(one).map(|r| match r {
            crate::wire::IdRef::Id(i) => i.to_string(),
            crate::wire::IdRef::Uuid(u) => u,
        }),
        _ => None,
    };
    let ext = match search.format {
        Format::Text => "text",
        other => other.response_format(),
    };
    Some(format!(
        "misp.event.{}.{ext}",
        id.unwrap_or_else(|| "list".into())
    ))
}

async fn execute(
    state: AppState,
    user: Arc<CurrentUser>,
    scope: Scope,
    format: Format,
    params: Map<String, Value>,
    zeek_group: Option<String>,
) -> AppResult<Response> {
    let viewer = crate::acl::viewer(&state, &user).await?;
    let f = super::parse(&params, scope, format);
    let tags = store::resolve_tags(state.db.ex(), &viewer, &f.tags).await?;
    let event_tags = store::resolve_tags(state.db.ex(), &viewer, &f.event_tags).await?;
    let search = Search {
        scope,
        format,
        params: Arc::new(params),
        plan: Plan {
            f,
            tags,
            event_tags,
        },
        zeek_group,
    };
    match scope {
        Scope::Attributes => attributes_scope(state, user, viewer, search).await,
        Scope::Events => super::events::respond(state, user, viewer, search).await,
        Scope::Objects => objects_scope(state, user, viewer, search).await,
    }
}

async fn attributes_scope(
    state: AppState,
    user: Arc<CurrentUser>,
    viewer: Viewer,
    search: Search,
) -> AppResult<Response> {
    let narrow = matches!(
        search.format,
        Format::Text | Format::Hashes | Format::Cache | Format::Rpz | Format::Count
    );
    let q = store::attributes_query(&viewer, &search.plan, narrow);
    if search.format == Format::Count {
        let n = if search.plan.impossible() {
            0
        } else {
            run::paged(store::count(state.db.ex(), q).await?, &search.plan)
        };
        let mut resp = n.to_string().into_response();
        run::headers(&mut resp, &search, Some(n), None);
        return Ok(resp);
    }
    let opts = run::options(&state, &user, search.params.clone());
    let f = &search.plan.f;
    let mut writer = match search.format {
        Format::Json => Writer::Json(JsonAttributes::new(
            f.include_context,
            f.include_event_tags,
            f.include_event_uuid,
            f.include_correlations,
        )),
        Format::Xml => Writer::Export(Box::new(super::json::XmlAttributes::new(f.include_context))),
        _ => Writer::Export(exporter(&search, &opts)?),
    };
    let (first, rx, count) =
        run::start_counted(&state, &search.plan, &q, run::Counted::Page).await?;
    let (body_tx, body) = run::channel_body();
    let mut resp = body.into_response();
    run::headers(&mut resp, &search, Some(count), filename(&search));
    let exclude_local = f.exclude_local_tags;
    let tags = run::needs_tags(search.format) || f.include_event_tags;
    tokio::spawn(async move {
        let mut out = Vec::new();
        writer_header(&mut writer, &mut out);
        let mut feeder = Feeder::new(&state, &viewer, writer, false, tags, exclude_local);
        if let Err(e) = run::pump(first, rx, &mut feeder, out, &body_tx).await {
            run::fail(&body_tx, e).await;
        }
    });
    Ok(resp)
}

pub(super) fn writer_header(w: &mut Writer, out: &mut Vec<u8>) {
    w.exporter().header(out);
}

async fn objects_scope(
    state: AppState,
    user: Arc<CurrentUser>,
    viewer: Viewer,
    search: Search,
) -> AppResult<Response> {
    let _ = &user;
    let q = store::objects_query(&viewer, &search.plan);
    let objects: Vec<crate::objects::Object> = if search.plan.impossible() {
        Vec::new()
    } else {
        state.db.ex().fetch_all(&q).await?
    };
    let ids: Vec<i64> = objects.iter().map(|o| o.id).collect();
    let (body_tx, body) = run::channel_body();
    let mut resp = body.into_response();
    run::headers(&mut resp, &search, Some(ids.len() as i64), None);
    tokio::spawn(async move {
        let mut out = Vec::new();
        let mut writer = Writer::Objects(JsonObjects::new());
        writer_header(&mut writer, &mut out);
        let mut feeder = Feeder::new(
            &state,
            &viewer,
            writer,
            true,
            true,
            search.plan.f.exclude_local_tags,
        );
        let result = async {
            for page in ids.chunks(run::CHUNK) {
                let q = store::object_attributes_query(&viewer, &search.plan, page);
                let rows = state.db.ex().fetch_all(&q).await?;
                feeder.chunk(rows, &mut out).await?;
            }
            Ok::<_, AppError>(())
        }
        .await;
        match result {
            Ok(()) => {
                feeder.finish(&mut out);
                let _ = body_tx.send(Ok(Bytes::from(out))).await;
            }
            Err(e) => run::fail(&body_tx, e).await,
        }
    });
    Ok(resp)
}
