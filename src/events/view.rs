//! The event document (`{"Event": {...}}`), streamed: the head, then the attributes encoded a
//! chunk at a time as the database returns them, then the rest. Memory stays flat whatever the
//! event's size (MISP needs gigabytes to render a 350k-attribute event).

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::parts::Parts;
use super::store::ViewHints;
use super::{Event, EventHead};
use crate::acl::Viewer;
use crate::app::AppState;
use crate::attributes::{Attribute, AttributeWire};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::orgs::Organisation;
use crate::tags::AttachedTag;
use std::sync::Arc;

/// Rows per chunk of the attribute stream (one chunk is one write to the client).
const CHUNK: usize = 2000;

/// What the document includes.
#[derive(Debug, Clone, Copy, Default)]
pub struct ViewOptions<'a> {
    /// `metadata:1`: no Attribute, Object, ShadowAttribute or EventReport.
    pub metadata: bool,
    /// `deleted:1`: soft-deleted elements too.
    pub include_deleted: bool,
    /// The answer to a write: read everything from the database, never from a snapshot.
    pub fresh: bool,
    /// Set by `respond`: the viewer may see soft-deleted data (site admin, sync user, owner
    /// organisation). MISP lists their soft-deleted reports in the event even without `deleted`.
    pub privileged: bool,
    /// Correlations computed for this request by the handler: they depend on other events and
    /// on the viewer, so they are never part of a snapshot. `None`: an empty `RelatedEvent`.
    pub related: Option<&'a Arc<crate::correlation::Related>>,
    /// `includeGranularCorrelations:1`: a `RelatedAttribute` list on each correlating attribute.
    pub granular: bool,
    /// restSearch's trimming of the event's attributes (`to_ids`, `deleted:1`, NOT tags).
    pub filter: Option<&'a super::parts::ContentFilter>,
}

/// An organisation by id, through the node-local cache.
async fn org_summary(state: &AppState, id: i64) -> Result<Option<Arc<Organisation>>, AppError> {
    if let Some(hit) = state.caches.orgs.get(&id) {
        return Ok(Some(hit));
    }
    let org = crate::orgs::store::find(state.db.ex(), &crate::wire::IdRef::Id(id))
        .await?
        .map(Arc::new);
    if let Some(o) = &org {
        state.caches.orgs.put(id, o.clone());
    }
    Ok(org)
}

/// The event fields, creator e-mail (when the user may see it) and org summaries.
async fn head(
    state: &AppState,
    user: &CurrentUser,
    event: &Event,
    hints: &ViewHints,
) -> Result<Map<String, Value>, AppError> {
    let mut map = Map::new();
    EventHead(event)
        .write(&mut MapWriter(&mut map))
        .map_err(|e| AppError::Internal(e.into()))?;
    let shows_creator =
        user.site_admin() || (user.role.perm_audit && user.user.org_id == event.orgc_id);
    if shows_creator && let Some(email) = &hints.creator_email {
        map.insert("event_creator_email".into(), email.clone().into());
    }
    let org = org_summary(state, event.org_id).await?;
    let orgc = org_summary(state, event.orgc_id).await?;
    let summary = |o: &Option<Arc<Organisation>>| {
        o.as_ref().map_or(
            Value::Null,
            |o| json!({"id": o.id.to_string(), "name": o.name, "uuid": o.uuid, "local": o.local}),
        )
    };
    map.insert("Org".into(), summary(&org));
    map.insert("Orgc".into(), summary(&orgc));
    if event.distribution == 4
        && let Some(sg) = crate::sharing_groups::embed(state, event.sharing_group_id).await?
    {
        map.insert("SharingGroup".into(), sg);
    }
    Ok(map)
}

/// Everything after the attributes: the empty MISP blocks, objects, reports and event tags.
fn tail(
    viewer: &Viewer,
    event: &Event,
    opts: ViewOptions,
    parts: &Parts,
) -> Result<Map<String, Value>, AppError> {
    let to_value = |v: &dyn erased::Ser| v.value().map_err(|e| AppError::Internal(e.into()));
    let mut map = Map::new();
    if !opts.metadata {
        map.insert("ShadowAttribute".into(), json!([]));
    }
    // The view's entries carry MISP's (empty) analyst-data relations; add and edit answers not.
    let related_events: Vec<Value> = opts.related.map_or_else(Vec::new, |r| {
        r.events
            .iter()
            .map(|e| match e {
                Value::Object(m) if !opts.fresh => {
                    let mut m = m.clone();
                    m.insert("RelationshipInbound".into(), json!([]));
                    Value::Object(m)
                }
                other => other.clone(),
            })
            .collect()
    });
    map.insert("RelatedEvent".into(), related_events.into());
    map.insert("Galaxy".into(), json!([]));
    if !opts.metadata {
        let acl = event.acl();
        let granular = opts.related.filter(|_| opts.granular);
        let objects: Vec<Value> = parts
            .objects
            .iter()
            .filter_map(|o| crate::objects::wire(o, viewer, &acl, &parts.attribute_tags))
            .map(|mut o| {
                // Object attributes get their RelatedAttribute list after ShadowAttribute.
                let attributes = o.get_mut("Attribute").and_then(Value::as_array_mut);
                for a in attributes.into_iter().flatten() {
                    let id = a["id"].as_str().and_then(|s| s.parse::<i64>().ok());
                    let found = granular.zip(id).and_then(|(r, id)| r.attributes.get(&id));
                    if let (Some(list), Value::Object(m)) = (found, a) {
                        m.insert("RelatedAttribute".into(), list.clone().into());
                    }
                }
                o
            })
            .collect();
        map.insert("Object".into(), objects.into());
        let reports: Vec<_> = parts
            .reports
            .iter()
            .filter(|r| viewer.can_see_element(&acl, r.acl(), None))
            .collect();
        map.insert("EventReport".into(), to_value(&reports)?);
    }
    map.insert("CryptographicKey".into(), json!([]));
    if !parts.event_tags.is_empty() {
        map.insert("Tag".into(), to_value(&parts.event_tags)?);
    }
    Ok(map)
}

/// Serialising through a trait object keeps `tail` free of one closure per type.
mod erased {
    pub trait Ser {
        fn value(&self) -> serde_json::Result<serde_json::Value>;
    }
    impl<T: serde::Serialize> Ser for T {
        fn value(&self) -> serde_json::Result<serde_json::Value> {
            serde_json::to_value(self)
        }
    }
}

/// `{...}` without its closing brace, to append more entries to.
fn open_object(map: &Map<String, Value>) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(map).unwrap_or_else(|_| b"{}".to_vec());
    bytes.pop();
    bytes
}

/// Encodes one chunk of attributes (those the viewer may see), comma-separated.
fn encode_chunk(
    rows: &[Attribute],
    viewer: &Viewer,
    event: &Event,
    tags: &HashMap<i64, Vec<AttachedTag>>,
    related: Option<&crate::correlation::Related>,
    first: &mut bool,
) -> Vec<u8> {
    let acl = event.acl();
    let mut out = Vec::with_capacity(rows.len() * 400);
    for a in rows
        .iter()
        .filter(|a| viewer.can_see_element(&acl, a.acl(), None))
    {
        if !*first {
            out.push(b',');
        }
        *first = false;
        let t = tags.get(&a.id).map_or(&[][..], Vec::as_slice);
        if serde_json::to_writer(
            &mut out,
            &AttributeWire {
                attribute: a,
                tags: t,
                raw: false,
            },
        )
        .is_err()
        {
            continue;
        }
        // RelatedAttribute closes the attribute's object, after ShadowAttribute (capture 074).
        if let Some(list) = related.and_then(|r| r.attributes.get(&a.id))
            && out.last() == Some(&b'}')
        {
            out.pop();
            out.extend_from_slice(b",\"RelatedAttribute\":");
            let _ = serde_json::to_writer(&mut out, list);
            out.push(b'}');
        }
    }
    out
}

/// The closing entries after the attribute list, and the final braces.
fn closing(tail: &Map<String, Value>) -> Vec<u8> {
    let mut end = Vec::new();
    for (k, v) in tail {
        end.push(b',');
        let _ = serde_json::to_writer(&mut end, k);
        end.push(b':');
        let _ = serde_json::to_writer(&mut end, v);
    }
    end.extend_from_slice(b"}}");
    end
}

/// The `{"Event": ...}` response: rendered at once for an event of at most one chunk, streamed
/// chunk by chunk otherwise.
pub async fn respond(
    state: AppState,
    user: &CurrentUser,
    viewer: Viewer,
    event: Event,
    opts: ViewOptions<'_>,
) -> Result<Response, AppError> {
    // Soft-deleted elements are for site admins, sync users and the owner organisation only.
    let privileged = user.site_admin() || user.role.perm_sync || event.org_id == user.user.org_id;
    let opts = ViewOptions {
        include_deleted: opts.include_deleted && privileged,
        privileged,
        ..opts
    };
    let parts = super::parts::load(
        &state,
        &event,
        opts.include_deleted,
        opts.privileged,
        CHUNK,
        opts.fresh,
    )
    .await?;
    let parts = match opts.filter {
        Some(f) => Arc::new(f.apply(&parts)),
        None => parts,
    };
    let head = head(&state, user, &event, &parts.hints).await?;
    let tail = tail(&viewer, &event, opts, &parts)?;
    let granular = opts.related.filter(|_| opts.granular).cloned();
    let mut start = b"{\"Event\":".to_vec();
    start.extend(open_object(&head));
    let json = |body: Body| {
        (
            [(header::CONTENT_TYPE, crate::wire::JSON_CONTENT_TYPE)],
            body,
        )
            .into_response()
    };
    if opts.metadata {
        start.extend(closing(&tail));
        return Ok(json(Body::from(start)));
    }
    start.extend_from_slice(b",\"Attribute\":[");
    if let Some(rows) = &parts.attributes {
        start.extend(encode_chunk(
            rows,
            &viewer,
            &event,
            &parts.attribute_tags,
            granular.as_deref(),
            &mut true,
        ));
        start.push(b']');
        start.extend(closing(&tail));
        return Ok(json(Body::from(start)));
    }
    let mut query = super::store::view_attributes(event.id, opts.include_deleted);
    if let Some(f) = opts.filter {
        super::store::filter_view_attributes(&mut query, f);
    }
    let (body_tx, mut body_rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        if body_tx.send(Ok(Bytes::from(start))).await.is_err() {
            return;
        }
        if let Err(e) = stream_attributes(
            &state,
            &viewer,
            &event,
            query,
            &parts.attribute_tags,
            granular.as_deref(),
            &body_tx,
        )
        .await
        {
            tracing::error!(error = %e, "event view stream failed");
            let _ = body_tx
                .send(Err(std::io::Error::other("event view failed")))
                .await;
            return;
        }
        let mut end = b"]".to_vec();
        end.extend(closing(&tail));
        let _ = body_tx.send(Ok(Bytes::from(end))).await;
    });
    let stream = futures::stream::poll_fn(move |cx| body_rx.poll_recv(cx));
    Ok(json(Body::from_stream(stream)))
}

async fn stream_attributes(
    state: &AppState,
    viewer: &Viewer,
    event: &Event,
    query: sea_query::SelectStatement,
    tags: &HashMap<i64, Vec<AttachedTag>>,
    related: Option<&crate::correlation::Related>,
    body_tx: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), AppError> {
    let (rows_tx, mut rows_rx) = tokio::sync::mpsc::channel::<Vec<Attribute>>(2);
    let db = state.db.clone();
    let producer = async move { db.stream_chunks(&query, CHUNK, rows_tx).await };
    let consumer = async {
        let mut first = true;
        while let Some(rows) = rows_rx.recv().await {
            let bytes = encode_chunk(&rows, viewer, event, tags, related, &mut first);
            if body_tx.send(Ok(Bytes::from(bytes))).await.is_err() {
                break;
            }
        }
    };
    let (produced, ()) = tokio::join!(producer, consumer);
    produced.map_err(AppError::from)
}

/// Lets `EventHead::write` fill a JSON map directly.
struct MapWriter<'a>(&'a mut Map<String, Value>);

impl serde::ser::SerializeMap for MapWriter<'_> {
    type Ok = ();
    type Error = serde_json::Error;
    fn serialize_key<T: ?Sized + serde::Serialize>(&mut self, _key: &T) -> Result<(), Self::Error> {
        Err(serde::ser::Error::custom("entries are written whole"))
    }
    fn serialize_value<T: ?Sized + serde::Serialize>(
        &mut self,
        _value: &T,
    ) -> Result<(), Self::Error> {
        Err(serde::ser::Error::custom("entries are written whole"))
    }
    fn serialize_entry<K: ?Sized + serde::Serialize, V: ?Sized + serde::Serialize>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), Self::Error> {
        let key = match serde_json::to_value(key)? {
            Value::String(s) => s,
            other => other.to_string(),
        };
        self.0.insert(key, serde_json::to_value(value)?);
        Ok(())
    }
    fn end(self) -> Result<(), Self::Error> {
        Ok(())
    }
}
