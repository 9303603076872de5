//! Events scope: `{"response": [{"Event": ...}, ...]}` made of the same streamed documents as
//! `/events/view` (or their XML form), or, for flat formats, the kept attributes of the
//! matching events grouped by event and object. `X-Result-Count` is the number of matching
//! events, whatever the page.

use std::sync::Arc;

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use super::Deleted;
use super::run::{self, Feeder, Search, Writer};
use super::store;
use crate::acl::Viewer;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::events::Event;
use crate::events::parts::ContentFilter;
use crate::events::view::ViewOptions;
use crate::exports::Format;

pub async fn respond(
    state: AppState,
    user: Arc<CurrentUser>,
    viewer: Viewer,
    search: Search,
) -> AppResult<Response> {
    let q = store::events_query(&viewer, &search.plan);
    let impossible = search.plan.impossible();
    if search.format == Format::Count {
        let n = if impossible {
            0
        } else {
            store::count(state.db.ex(), q).await?
        };
        let mut resp = n.to_string().into_response();
        run::headers(&mut resp, &search, Some(n), filename(&search));
        return Ok(resp);
    }
    if matches!(search.format, Format::Json | Format::Xml) {
        return documents(state, user, viewer, search, q).await;
    }
    flat(state, user, viewer, search, q).await
}

fn filename(search: &Search) -> Option<String> {
    super::routes::filename(search)
}

/// JSON and XML: one event document per matching event.
async fn documents(
    state: AppState,
    user: Arc<CurrentUser>,
    viewer: Viewer,
    search: Search,
    q: sea_query::SelectStatement,
) -> AppResult<Response> {
    let (first, rx, count) =
        run::start_counted::<Event>(&state, &search.plan, &q, run::Counted::Total).await?;
    let (body_tx, body) = run::channel_body();
    let mut resp = body.into_response();
    run::headers(&mut resp, &search, Some(count), filename(&search));
    let xml = search.format == Format::Xml;
    let f = &search.plan.f;
    let filter = ContentFilter {
        to_ids: f.to_ids,
        deleted_only: f.deleted == Deleted::Only,
        exclude_tags: search.plan.tags.not.clone(),
    };
    let (metadata, include_deleted) = (f.metadata, f.deleted != Deleted::Live);
    let granular = f.include_granular_correlations;
    tokio::spawn(async move {
        let opts = ViewOptions {
            metadata,
            include_deleted,
            filter: Some(&filter),
            granular,
            ..ViewOptions::default()
        };
        let mut head = Vec::new();
        if xml {
            crate::exports::xml::header(&mut head);
        } else {
            head.extend_from_slice(b"{\"response\":[");
        }
        if body_tx.send(Ok(Bytes::from(head))).await.is_err() {
            return;
        }
        let mut rx = rx;
        let mut chunk = Some(first);
        let mut first_doc = true;
        while let Some(events) = chunk.take() {
            for event in events {
                if let Err(e) = document(
                    &state,
                    &user,
                    &viewer,
                    event,
                    opts,
                    xml,
                    &mut first_doc,
                    &body_tx,
                )
                .await
                {
                    run::fail(&body_tx, e).await;
                    return;
                }
            }
            if let Some(r) = rx.as_mut() {
                chunk = r.recv().await;
            }
        }
        let mut end = Vec::new();
        if xml {
            crate::exports::xml::footer(&mut end);
        } else {
            end.extend_from_slice(b"]}");
        }
        let _ = body_tx.send(Ok(Bytes::from(end))).await;
    });
    Ok(resp)
}

/// One event document, piped from the event view's own stream (JSON), or converted (XML).
#[allow(clippy::too_many_arguments)]
async fn document(
    state: &AppState,
    user: &CurrentUser,
    viewer: &Viewer,
    event: Event,
    opts: ViewOptions<'_>,
    xml: bool,
    first: &mut bool,
    body: &run::BodyTx,
) -> AppResult<()> {
    // RelatedEvent as on the event view (capture 078); granular lists when asked.
    let limit = state.config.correlation_limit;
    let related = if opts.granular {
        crate::correlation::related_for_event(state.db.ex(), viewer, event.id, limit).await?
    } else {
        let events =
            crate::correlation::related_events(state.db.ex(), viewer, event.id, limit).await?;
        crate::correlation::Related {
            events,
            ..Default::default()
        }
    };
    let related = Arc::new(related);
    let opts = ViewOptions {
        related: Some(&related),
        ..opts
    };
    let resp =
        crate::events::view::respond(state.clone(), user, viewer.clone(), event, opts).await?;
    let mut stream = resp.into_body().into_data_stream();
    if xml {
        let mut bytes = Vec::new();
        while let Some(frame) = stream.next().await {
            bytes.extend_from_slice(
                &frame.map_err(|e| AppError::Internal(anyhow::anyhow!(e.to_string())))?,
            );
        }
        let doc: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| AppError::Internal(e.into()))?;
        let mut out = Vec::new();
        let shaped = match &doc["Event"] {
            serde_json::Value::Object(m) => {
                serde_json::Value::Object(crate::exports::xml::misp_event_shape(m))
            }
            other => other.clone(),
        };
        crate::exports::xml::element("Event", &shaped, &mut out);
        let _ = body.send(Ok(Bytes::from(out))).await;
        return Ok(());
    }
    if !*first && body.send(Ok(Bytes::from_static(b","))).await.is_err() {
        return Ok(());
    }
    *first = false;
    while let Some(frame) = stream.next().await {
        let frame = frame.map_err(|e| AppError::Internal(anyhow::anyhow!(e.to_string())))?;
        if body.send(Ok(frame)).await.is_err() {
            return Ok(());
        }
    }
    Ok(())
}

/// Flat formats: the kept attributes of the matching events (or of one page of them).
async fn flat(
    state: AppState,
    user: Arc<CurrentUser>,
    viewer: Viewer,
    search: Search,
    q: sea_query::SelectStatement,
) -> AppResult<Response> {
    let opts = run::options(&state, &user, search.params.clone());
    let writer = Writer::Export(super::routes::exporter(&search, &opts)?);
    let plan = &search.plan;
    let (first, rx, count) = if plan.impossible() {
        (Vec::new(), None, 0)
    } else {
        let count = store::count(state.db.ex(), q.clone()).await?;
        let page: Option<Vec<i64>> = match plan.f.limit {
            Some(_) => Some(
                state
                    .db
                    .ex()
                    .fetch_all::<Event>(&q)
                    .await?
                    .iter()
                    .map(|e| e.id)
                    .collect(),
            ),
            None => None,
        };
        let aq = store::event_attributes_query(&viewer, plan, page.as_deref());
        let (first, rx, task) = run::start(&state, &aq).await;
        if rx.is_none() {
            task.await.map_err(|e| AppError::Internal(e.into()))??;
        }
        (first, rx, count)
    };
    let (body_tx, body) = run::channel_body();
    let mut resp = body.into_response();
    run::headers(&mut resp, &search, Some(count), filename(&search));
    let tags = run::needs_tags(search.format);
    let exclude_local = plan.f.exclude_local_tags;
    tokio::spawn(async move {
        let mut writer = writer;
        let mut out = Vec::new();
        super::routes::writer_header(&mut writer, &mut out);
        let mut feeder = Feeder::new(&state, &viewer, writer, true, tags, exclude_local);
        if let Err(e) = run::pump(first, rx, &mut feeder, out, &body_tx).await {
            run::fail(&body_tx, e).await;
        }
    });
    Ok(resp)
}
