//! Runs a restSearch: resolves the plan, answers the headers (with `X-Result-Count` from the
//! first chunk when the result fits in it, from one COUNT otherwise), then streams rows from
//! the database through the chosen writer into the response body, a chunk at a time.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde_json::{Map, Value};
use tokio::sync::mpsc;

use super::json::{JsonAttributes, JsonObjects};
use super::store::{self, Plan};
use crate::acl::Viewer;
use crate::app::AppState;
use crate::attributes::Attribute;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::exports::{EventCtx, Exporter, Format, Item, OrgRef, Scope};
use crate::objects::Object;
use crate::tags::AttachedTag;

/// Rows per database chunk, and per write to the client.
pub const CHUNK: usize = 2000;

pub type BodyTx = mpsc::Sender<Result<Bytes, std::io::Error>>;

/// One restSearch request, parsed.
pub struct Search {
    pub scope: Scope,
    pub format: Format,
    pub params: Arc<Map<String, Value>>,
    pub plan: Plan,
    /// Zeek's type group (`/attributes/bro/download/<group>`).
    pub zeek_group: Option<String>,
}

/// The writer for a format. JSON needs database lookups per chunk (correlations) and the event
/// documents, so it lives here; every other format is a pure `exports` writer.
pub enum Writer {
    Json(JsonAttributes),
    Objects(JsonObjects),
    Export(Box<dyn Exporter>),
}

impl Writer {
    pub fn exporter(&mut self) -> &mut dyn Exporter {
        match self {
            Writer::Json(j) => j,
            Writer::Objects(o) => o,
            Writer::Export(e) => e.as_mut(),
        }
    }
}

/// Whether the format prints tags (others skip the per-chunk tag query).
pub fn needs_tags(format: Format) -> bool {
    !matches!(
        format,
        Format::Text | Format::Hashes | Format::Cache | Format::Count | Format::Rpz | Format::Zeek
    )
}

pub fn options(
    state: &AppState,
    user: &CurrentUser,
    params: Arc<Map<String, Value>>,
) -> crate::exports::Options {
    crate::exports::Options {
        base_url: state.config.base_url().trim_end_matches('/').to_string(),
        host_org_name: Some(state.config.org_name.clone()),
        nids_sid: user.user.nids_sid,
        user_org_name: user.org.name.clone(),
        now: crate::wire::now(),
        params,
    }
}

/// Loads event contexts (owner and creator organisations, visible event tags) by id.
pub async fn event_contexts(
    state: &AppState,
    ids: &[i64],
    exclude_local: bool,
) -> Result<HashMap<i64, Arc<EventCtx>>, AppError> {
    let events = store::events_by_ids(state.db.ex(), ids).await?;
    let mut org_ids: Vec<i64> = events.iter().flat_map(|e| [e.org_id, e.orgc_id]).collect();
    org_ids.sort_unstable();
    org_ids.dedup();
    let orgs: HashMap<i64, OrgRef> = crate::events::store::org_summaries(state.db.ex(), &org_ids)
        .await?
        .into_iter()
        .map(|o| {
            (
                o.id,
                OrgRef {
                    id: o.id,
                    name: o.name,
                    uuid: o.uuid,
                    local: o.local,
                },
            )
        })
        .collect();
    let mut tags = crate::tags::store::of_events(state.db.ex(), ids).await?;
    let org = |id: i64| {
        orgs.get(&id).cloned().unwrap_or(OrgRef {
            id,
            ..OrgRef::default()
        })
    };
    Ok(events
        .into_iter()
        .map(|event| {
            let mut t = tags.remove(&event.id).unwrap_or_default();
            if exclude_local {
                t.retain(|t| !t.local);
            }
            let ctx = EventCtx {
                org: org(event.org_id),
                orgc: org(event.orgc_id),
                tags: t,
                event,
            };
            (ctx.event.id, Arc::new(ctx))
        })
        .collect())
}

/// An attribute with its own tags.
type Tagged = (Attribute, Vec<AttachedTag>);

/// Feeds attribute rows to a writer, loading what each chunk needs: missing event contexts,
/// objects, tags. In grouped mode (events scope) consecutive attributes of one object are
/// handed over together through `Exporter::object`.
pub struct Feeder<'a> {
    pub state: &'a AppState,
    pub viewer: &'a Viewer,
    pub writer: Writer,
    pub grouped: bool,
    pub tags: bool,
    pub exclude_local: bool,
    pub related_limit: i64,
    events: HashMap<i64, Arc<EventCtx>>,
    current_event: Option<Arc<EventCtx>>,
    pending: Option<(Object, Vec<Tagged>)>,
}

impl<'a> Feeder<'a> {
    pub fn new(
        state: &'a AppState,
        viewer: &'a Viewer,
        writer: Writer,
        grouped: bool,
        tags: bool,
        exclude_local: bool,
    ) -> Self {
        Feeder {
            state,
            viewer,
            writer,
            grouped,
            tags,
            exclude_local,
            related_limit: state.config.correlation_limit,
            events: HashMap::new(),
            current_event: None,
            pending: None,
        }
    }

    pub async fn chunk(&mut self, rows: Vec<Attribute>, out: &mut Vec<u8>) -> Result<(), AppError> {
        let mut missing: Vec<i64> = rows
            .iter()
            .map(|a| a.event_id)
            .filter(|id| !self.events.contains_key(id))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if !missing.is_empty() {
            // Attribute order may revisit events, so contexts are kept for the whole export.
            self.events
                .extend(event_contexts(self.state, &missing, self.exclude_local).await?);
        }
        let mut object_ids: Vec<i64> = rows
            .iter()
            .map(|a| a.object_id)
            .filter(|id| *id != 0)
            .collect();
        object_ids.sort_unstable();
        object_ids.dedup();
        let objects: HashMap<i64, Object> = if object_ids.is_empty() {
            HashMap::new()
        } else {
            store::objects_by_ids(self.state.db.ex(), &object_ids)
                .await?
                .into_iter()
                .map(|o| (o.id, o))
                .collect()
        };
        let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
        let mut tags = if self.tags {
            crate::tags::store::of_attributes(self.state.db.ex(), &ids).await?
        } else {
            HashMap::new()
        };
        if let Writer::Json(j) = &mut self.writer
            && j.include_correlations
        {
            j.related = crate::correlation::store::related_for_attributes(
                self.state.db.ex(),
                self.viewer,
                &ids,
                self.related_limit,
            )
            .await?;
        }
        for a in rows {
            let Some(event) = self.events.get(&a.event_id).cloned() else {
                continue;
            };
            let mut own = tags.remove(&a.id).unwrap_or_default();
            if self.exclude_local {
                own.retain(|t| !t.local);
            }
            if self.grouped {
                self.grouped_row(event, a, own, &objects, out);
            } else {
                let object = objects.get(&a.object_id);
                self.writer.exporter().attribute(
                    Item {
                        event: &event,
                        object,
                        attribute: &a,
                        tags: &own,
                    },
                    out,
                );
            }
        }
        Ok(())
    }

    fn grouped_row(
        &mut self,
        event: Arc<EventCtx>,
        a: Attribute,
        tags: Vec<AttachedTag>,
        objects: &HashMap<i64, Object>,
        out: &mut Vec<u8>,
    ) {
        let same_event = self
            .current_event
            .as_ref()
            .is_some_and(|c| c.event.id == event.event.id);
        let same_object = self
            .pending
            .as_ref()
            .is_some_and(|(o, _)| o.id == a.object_id);
        if !same_object {
            self.flush_object(out);
        }
        if !same_event {
            self.end_event(out);
            self.writer.exporter().event_begin(&event, out);
            self.current_event = Some(event.clone());
        }
        if a.object_id == 0 {
            self.writer.exporter().attribute(
                Item {
                    event: &event,
                    object: None,
                    attribute: &a,
                    tags: &tags,
                },
                out,
            );
        } else if let Some((_, list)) = &mut self.pending {
            list.push((a, tags));
        } else if let Some(o) = objects.get(&a.object_id) {
            self.pending = Some((o.clone(), vec![(a, tags)]));
        }
    }

    fn flush_object(&mut self, out: &mut Vec<u8>) {
        if let (Some((object, attrs)), Some(event)) =
            (self.pending.take(), self.current_event.clone())
        {
            self.writer.exporter().object(&event, &object, &attrs, out);
        }
    }

    fn end_event(&mut self, out: &mut Vec<u8>) {
        self.flush_object(out);
        if let Some(event) = self.current_event.take() {
            self.writer.exporter().event_end(&event, out);
        }
    }

    pub fn finish(&mut self, out: &mut Vec<u8>) {
        self.end_event(out);
        self.writer.exporter().footer(out);
    }
}

/// Pipes `stream_chunks` of `query` through `feed` into the body channel, the writer's header
/// first (already in `out`) and its footer last.
pub async fn pump(
    first: Vec<Attribute>,
    mut rows_rx: Option<mpsc::Receiver<Vec<Attribute>>>,
    feeder: &mut Feeder<'_>,
    mut out: Vec<u8>,
    body: &BodyTx,
) -> Result<(), AppError> {
    if !first.is_empty() {
        feeder.chunk(first, &mut out).await?;
    }
    if !out.is_empty()
        && body
            .send(Ok(Bytes::from(std::mem::take(&mut out))))
            .await
            .is_err()
    {
        return Ok(());
    }
    if let Some(rx) = rows_rx.as_mut() {
        while let Some(rows) = rx.recv().await {
            feeder.chunk(rows, &mut out).await?;
            if body
                .send(Ok(Bytes::from(std::mem::take(&mut out))))
                .await
                .is_err()
            {
                return Ok(());
            }
        }
    }
    feeder.finish(&mut out);
    let _ = body.send(Ok(Bytes::from(out))).await;
    Ok(())
}

/// Starts streaming `query` and waits for its first chunk: a result shorter than one chunk is
/// complete, so its size is known without counting.
pub async fn start<T: crate::db::Row + Send + 'static>(
    state: &AppState,
    query: &sea_query::SelectStatement,
) -> (
    Vec<T>,
    Option<mpsc::Receiver<Vec<T>>>,
    tokio::task::JoinHandle<sqlx::Result<()>>,
) {
    let (tx, mut rx) = mpsc::channel::<Vec<T>>(2);
    let db = state.db.clone();
    let q = query.clone();
    let task = tokio::spawn(async move { db.stream_chunks(&q, CHUNK, tx).await });
    let first = rx.recv().await.unwrap_or_default();
    let more = first.len() == CHUNK;
    (first, more.then_some(rx), task)
}

/// How `X-Result-Count` counts: the rows of this page, or every match ignoring the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    Page,
    Total,
}

/// `start`, plus the result count: from the first chunk when the result fits in it, from one
/// COUNT otherwise. An impossible plan (an unknown tag) answers nothing without a query.
pub async fn start_counted<T: crate::db::Row + Send + 'static>(
    state: &AppState,
    plan: &Plan,
    query: &sea_query::SelectStatement,
    counted: Counted,
) -> Result<(Vec<T>, Option<mpsc::Receiver<Vec<T>>>, i64), AppError> {
    if plan.impossible() {
        return Ok((Vec::new(), None, 0));
    }
    let (first, rx, task) = start(state, query).await;
    let whole_total = counted == Counted::Total && plan.f.limit.is_some();
    let count = if rx.is_some() || whole_total {
        let total = store::count(state.db.ex(), query.clone()).await?;
        match counted {
            Counted::Total => total,
            Counted::Page => paged(total, plan),
        }
    } else {
        task.await.map_err(|e| AppError::Internal(e.into()))??;
        first.len() as i64
    };
    Ok((first, rx, count))
}

/// A total capped by the page `limit`/`page` select.
pub fn paged(total: i64, plan: &Plan) -> i64 {
    match plan.f.limit {
        Some(limit) => (total - (limit * (plan.f.page - 1)) as i64).clamp(0, limit as i64),
        None => total,
    }
}

/// The headers every restSearch answer carries.
pub fn headers(resp: &mut Response, search: &Search, count: Option<i64>, filename: Option<String>) {
    let h = resp.headers_mut();
    let text = |s: &str| HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static(""));
    h.insert(header::CONTENT_TYPE, text(search.format.content_type()));
    if let Some(c) = count {
        h.insert("X-Result-Count", text(&c.to_string()));
    }
    h.insert("X-Export-Module-Used", text(search.format.name()));
    let rf = if search.format == Format::Text && search.scope == Scope::Events {
        "text"
    } else {
        search.format.response_format()
    };
    h.insert("X-Response-Format", text(rf));
    h.insert("X-Skipped-Elements-Count", HeaderValue::from_static("0"));
    if let Some(name) = filename {
        h.insert(
            header::CONTENT_DISPOSITION,
            text(&format!("attachment; filename=\"{name}\"")),
        );
    }
}

/// A body fed by a channel, and the sender to feed it.
pub fn channel_body() -> (BodyTx, Body) {
    let (tx, mut rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let stream = futures::stream::poll_fn(move |cx| rx.poll_recv(cx));
    (tx, Body::from_stream(stream))
}

/// Logs a failed stream and cuts the body, so the client sees a broken transfer rather than a
/// truncated document that parses.
pub async fn fail(body: &BodyTx, e: AppError) {
    tracing::error!(error = %e, "restSearch stream failed");
    let _ = body
        .send(Err(std::io::Error::other("restSearch failed")))
        .await;
}
