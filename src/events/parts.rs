//! The stored parts of an event document besides the event row: hints, attribute and event
//! tags, objects, reports and (for events of at most one stream chunk) the attributes. Loaded
//! in as few queries as the hints allow, and, for small events, kept as a node-local snapshot
//! keyed by the event's timestamp: every content change moves that timestamp (`store::touch`),
//! and tag writes, which may not, clear the snapshots (`app::invalidate_caches`). The ACL is
//! applied to these rows on every request; only the reading is shared.

use std::collections::HashMap;
use std::sync::Arc;

use super::Event;
use super::store::ViewHints;
use crate::app::AppState;
use crate::attributes::Attribute;
use crate::error::AppError;
use crate::objects::ObjectTree;
use crate::reports::EventReport;
use crate::tags::AttachedTag;

#[derive(Debug, Clone, Default)]
pub struct Parts {
    pub hints: ViewHints,
    /// Attributes outside objects, for events of at most `limit` attributes; `None` means
    /// "stream them".
    pub attributes: Option<Vec<Attribute>>,
    pub attribute_tags: HashMap<i64, Vec<AttachedTag>>,
    pub objects: Vec<ObjectTree>,
    pub reports: Vec<EventReport>,
    pub event_tags: Vec<AttachedTag>,
}

/// Snapshot key: event, its version, and which rows were read.
pub type Key = (i64, i64, bool, bool);

/// The parts of `event`: `include_deleted` for soft-deleted attributes and objects,
/// `deleted_reports` for soft-deleted reports; attributes read when the event has at most
/// `limit` of them. `fresh` (the answer to a write) never reads a snapshot.
pub async fn load(
    state: &AppState,
    event: &Event,
    include_deleted: bool,
    deleted_reports: bool,
    limit: usize,
    fresh: bool,
) -> Result<Arc<Parts>, AppError> {
    let small = event.attribute_count <= limit as i64;
    let key: Key = (event.id, event.timestamp, include_deleted, deleted_reports);
    if small
        && !fresh
        && let Some(hit) = state.caches.events.get(&key)
    {
        return Ok(hit);
    }
    let generation = state.caches.generation();
    let ex = || state.db.ex();
    let hints = super::store::view_hints(ex(), event).await?;
    let mut parts = Parts::default();
    if small {
        let q = super::store::view_attributes(event.id, include_deleted);
        parts.attributes = Some(ex().fetch_all(&q).await?);
    }
    if hints.attribute_tags > 0 {
        parts.attribute_tags = crate::tags::store::of_event_attributes(ex(), event.id).await?;
    }
    if hints.objects > 0 {
        parts.objects = crate::objects::store::of_event(ex(), event.id, include_deleted).await?;
    }
    if hints.reports > 0 {
        parts.reports = crate::reports::store::of_event(ex(), event.id, deleted_reports).await?;
    }
    if hints.tags > 0 {
        parts.event_tags = crate::tags::store::of_event(ex(), event.id).await?;
    }
    parts.hints = hints;
    let parts = Arc::new(parts);
    if small && state.caches.generation() == generation {
        state.caches.events.put(key, parts.clone());
    }
    Ok(parts)
}

/// restSearch's trimming of an event's attributes (spec/api.md 6.3): only those with the asked
/// `to_ids`, only soft-deleted ones with `deleted:1`, none carrying a NOT tag (6.4). The event
/// itself and its other parts stay.
#[derive(Debug, Clone, Default)]
pub struct ContentFilter {
    pub to_ids: Option<bool>,
    pub deleted_only: bool,
    pub exclude_tags: Vec<i64>,
}

impl ContentFilter {
    pub fn keeps(&self, a: &Attribute, tags: &HashMap<i64, Vec<AttachedTag>>) -> bool {
        self.to_ids.is_none_or(|t| a.to_ids == t)
            && (!self.deleted_only || a.deleted)
            && (self.exclude_tags.is_empty()
                || !tags
                    .get(&a.id)
                    .is_some_and(|l| l.iter().any(|t| self.exclude_tags.contains(&t.tag.id))))
    }

    /// A copy of `parts` holding only the kept attributes (objects left empty are dropped by
    /// the object encoder, which shows no object without a visible attribute).
    pub fn apply(&self, parts: &Parts) -> Parts {
        let mut out = parts.clone();
        let tags = &parts.attribute_tags;
        if let Some(list) = &mut out.attributes {
            list.retain(|a| self.keeps(a, tags));
        }
        for o in &mut out.objects {
            o.attributes.retain(|a| self.keeps(a, tags));
        }
        out
    }
}
