//! Access control, spec/model.md section 3, written once and used by every read path: as pure
//! functions for one object (`can_see_event`, `can_see_element`) and as SQL conditions for
//! lists, searches and exports (`events_condition`, `elements_condition`). The two forms are
//! tested against each other.

pub mod store;

use sea_query::{Cond, Condition, Expr, ExprTrait};

/// Who is looking: everything the ACL needs about the user, loaded once per request.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    pub user_id: i64,
    pub org_id: i64,
    pub site_admin: bool,
    /// Sharing groups the user's organisation belongs to (explicitly, through an "all
    /// organisations of this instance" row, or as the group's owner).
    pub sg_ids: Vec<i64>,
}

/// What the event-level decision needs about an event.
#[derive(Debug, Clone, Copy)]
pub struct EventAcl {
    pub org_id: i64,
    pub distribution: i64,
    pub sharing_group_id: i64,
    pub published: bool,
}

/// Distribution and sharing group of an element (attribute, object, report).
#[derive(Debug, Clone, Copy)]
pub struct ElementAcl {
    pub distribution: i64,
    pub sharing_group_id: i64,
}

impl Viewer {
    /// Element-level test: community levels, inherit, or a sharing group the user is in.
    pub fn dist_ok(&self, el: ElementAcl) -> bool {
        matches!(el.distribution, 1 | 2 | 3 | 5)
            || (el.distribution == 4 && self.sg_ids.contains(&el.sharing_group_id))
    }

    /// Site admins and the owner organisation see the whole event, whatever its elements say.
    pub fn sees_everything_in(&self, e: &EventAcl) -> bool {
        self.site_admin || e.org_id == self.org_id
    }

    pub fn can_see_event(&self, e: &EventAcl) -> bool {
        if self.sees_everything_in(e) {
            return true;
        }
        match e.distribution {
            1..=3 => true,
            4 => self.sg_ids.contains(&e.sharing_group_id),
            _ => false,
        }
    }

    /// An attribute, object or report of a visible event; an object gates its attributes.
    pub fn can_see_element(
        &self,
        e: &EventAcl,
        el: ElementAcl,
        object: Option<ElementAcl>,
    ) -> bool {
        if !self.can_see_event(e) {
            return false;
        }
        self.sees_everything_in(e) || (self.dist_ok(el) && object.is_none_or(|o| self.dist_ok(o)))
    }

    /// May see a sharing group: site admin, owner organisation, or member.
    pub fn can_see_sharing_group(&self, sg_id: i64, sg_org_id: i64) -> bool {
        self.site_admin || sg_org_id == self.org_id || self.sg_ids.contains(&sg_id)
    }

    /// SQL form of `can_see_event` over the `events` table (aliased `e`); `None` for site
    /// admins, who see everything.
    pub fn events_condition(&self, e: &str) -> Option<Condition> {
        if self.site_admin {
            return None;
        }
        let col = |c: &str| Expr::col((sea_query::Alias::new(e), sea_query::Alias::new(c)));
        let mut shared = Cond::any().add(col("distribution").is_in([1, 2, 3]));
        if !self.sg_ids.is_empty() {
            shared = shared.add(
                col("distribution")
                    .eq(4)
                    .and(col("sharing_group_id").is_in(self.sg_ids.clone())),
            );
        }
        Some(Cond::any().add(col("org_id").eq(self.org_id)).add(shared))
    }

    /// SQL form of the element rule for rows of `el` (attributes, objects, reports) joined to
    /// their event `e`; with `object`, also the object's gate. `None` for site admins.
    pub fn elements_condition(&self, e: &str, el: &str, object: Option<&str>) -> Option<Condition> {
        if self.site_admin {
            return None;
        }
        let dist = |t: &str| {
            let col = |c: &str| Expr::col((sea_query::Alias::new(t), sea_query::Alias::new(c)));
            let mut c = Cond::any().add(col("distribution").is_in([1, 2, 3, 5]));
            if !self.sg_ids.is_empty() {
                c = c.add(
                    col("distribution")
                        .eq(4)
                        .and(col("sharing_group_id").is_in(self.sg_ids.clone())),
                );
            }
            c
        };
        let mut element = Cond::all().add(dist(el));
        if let Some(o) = object {
            let no_object =
                Expr::col((sea_query::Alias::new(o), sea_query::Alias::new("id"))).is_null();
            element = element.add(Cond::any().add(no_object).add(dist(o)));
        }
        let owner =
            Expr::col((sea_query::Alias::new(e), sea_query::Alias::new("org_id"))).eq(self.org_id);
        Some(Cond::any().add(owner).add(element))
    }
}

/// The viewer for an authenticated user: its organisation's sharing groups come from the
/// node-local cache, or one query.
pub async fn viewer(
    state: &crate::app::AppState,
    user: &crate::auth::CurrentUser,
) -> sqlx::Result<Viewer> {
    let site_admin = user.site_admin();
    let org_id = user.user.org_id;
    let sg_ids = if site_admin {
        Vec::new()
    } else if let Some(hit) = state.caches.sg_ids.get(&org_id) {
        hit.to_vec()
    } else {
        let ids = store::sg_ids(state.db.ex(), org_id).await?;
        state
            .caches
            .sg_ids
            .put(org_id, std::sync::Arc::new(ids.clone()));
        ids
    };
    Ok(Viewer {
        user_id: user.user.id,
        org_id,
        site_admin,
        sg_ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(org: i64, sgs: &[i64]) -> Viewer {
        Viewer {
            user_id: 9,
            org_id: org,
            site_admin: false,
            sg_ids: sgs.to_vec(),
        }
    }

    fn event(org: i64, distribution: i64, sg: i64) -> EventAcl {
        EventAcl {
            org_id: org,
            distribution,
            sharing_group_id: sg,
            published: true,
        }
    }

    fn el(distribution: i64, sg: i64) -> ElementAcl {
        ElementAcl {
            distribution,
            sharing_group_id: sg,
        }
    }

    #[test]
    fn the_examples_of_the_spec() {
        let x = viewer(1, &[10]);
        // Event dist 0 owned by Y: invisible; owned by X: all of it.
        assert!(!x.can_see_event(&event(2, 0, 0)));
        assert!(x.can_see_element(&event(1, 0, 0), el(0, 0), None));
        // Event dist 1 of Y: attribute dist 0 hidden, SG without X hidden, inherit visible.
        let e = event(2, 1, 0);
        assert!(x.can_see_event(&e));
        assert!(!x.can_see_element(&e, el(0, 0), None));
        assert!(!x.can_see_element(&e, el(4, 11), None));
        assert!(x.can_see_element(&e, el(5, 0), None));
        // Event in SG A (X member), attribute in SG B (X not): hidden.
        let e = event(2, 4, 10);
        assert!(x.can_see_event(&e));
        assert!(!x.can_see_element(&e, el(4, 11), None));
        assert!(x.can_see_element(&e, el(4, 10), None));
        // Event dist 3, object dist 0, object attribute dist 5: hidden.
        assert!(!x.can_see_element(&event(2, 3, 0), el(5, 0), Some(el(0, 0))));
        // Site admins see everything.
        let admin = Viewer {
            site_admin: true,
            ..viewer(3, &[])
        };
        assert!(admin.can_see_element(&event(2, 0, 0), el(0, 0), Some(el(0, 0))));
        assert!(admin.events_condition("e").is_none());
    }
}
