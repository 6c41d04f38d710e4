//! The organisation tree as a whole: built from rows (an import, or what
//! the store holds) with every row's fault named by its line, and the
//! checks a change must pass (a move that would make a cycle; dissolving
//! an organisation that still has members or organisations under it).

use std::collections::HashMap;

use super::OrgKind;
use crate::{Code, InvalidValue};

/// One organisation as a row names it: its code, kind and parent's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRow {
    /// The row's line in its file (1 = the header), for errors.
    pub line: usize,
    pub code: String,
    pub kind: OrgKind,
    /// `None` for a root (the city committee, or the top of a partial
    /// tree such as one district's).
    pub parent: Option<String>,
}

/// A row that cannot stand, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {code}: {error}")]
pub struct TreeError {
    pub line: usize,
    pub code: String,
    pub error: InvalidValue,
}

/// A valid tree: every parent known and of a kind that may hold the
/// child, no code twice, no cycle.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    kinds: HashMap<String, OrgKind>,
    parents: HashMap<String, String>,
}

impl Tree {
    /// Builds the tree, or returns every row that cannot stand (each once,
    /// by line): a code seen before, an unknown parent, a parent of a kind
    /// that may not hold it, and the rows of each cycle.
    pub fn build(rows: &[OrgRow]) -> Result<Tree, Vec<TreeError>> {
        let mut errors = Vec::new();
        let mut tree = Tree::default();
        let mut first_line: HashMap<&str, usize> = HashMap::new();
        for r in rows {
            if let Some(line) = first_line.get(r.code.as_str()) {
                errors.push(fault(
                    r,
                    Code::PartyOrgDuplicate,
                    format!("the code is already used on line {line}"),
                ));
                continue;
            }
            first_line.insert(&r.code, r.line);
            tree.kinds.insert(r.code.clone(), r.kind);
            if let Some(p) = &r.parent {
                tree.parents.insert(r.code.clone(), p.clone());
            }
        }
        let mut in_cycle: Vec<&OrgRow> = Vec::new();
        for r in rows {
            if first_line.get(r.code.as_str()) != Some(&r.line) {
                continue;
            }
            let Some(parent) = &r.parent else { continue };
            match tree.kinds.get(parent) {
                None => errors.push(fault(
                    r,
                    Code::PartyParentUnknown,
                    format!("no organisation has the code {parent:?}; list the parent first or fix the code"),
                )),
                Some(pk) if !pk.may_hold(r.kind) => errors.push(fault(
                    r,
                    Code::PartyParentKind,
                    format!("a {} cannot stand under a {}", r.kind.as_str(), pk.as_str()),
                )),
                Some(_) => {
                    if tree.cycle_through(&r.code) {
                        in_cycle.push(r);
                    }
                }
            }
        }
        for r in in_cycle {
            let cycle = tree.cycle_from(&r.code).join(" → ");
            errors.push(fault(
                r,
                Code::PartyTreeCycle,
                format!("its parents lead back to itself: {cycle}"),
            ));
        }
        if errors.is_empty() {
            Ok(tree)
        } else {
            errors.sort_by_key(|e| e.line);
            Err(errors)
        }
    }

    pub fn kind(&self, code: &str) -> Option<OrgKind> {
        self.kinds.get(code).copied()
    }

    pub fn parent(&self, code: &str) -> Option<&str> {
        self.parents.get(code).map(String::as_str)
    }

    /// The organisation and its ancestors, nearest first.
    pub fn ancestors<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        // Bounded by the tree's size, so even a cycle (which `build`
        // refuses) could not loop for ever.
        std::iter::successors(Some(code), |c| self.parent(c)).take(self.kinds.len() + 1)
    }

    /// Whether `code` lies under `ancestor` (or is it).
    pub fn is_within(&self, code: &str, ancestor: &str) -> bool {
        self.ancestors(code).any(|c| c == ancestor)
    }

    /// Checks a move of `code` under `new_parent`: both exist, the new
    /// parent may hold it, and it is not the organisation itself or one
    /// of its own descendants (which would make a cycle).
    pub fn check_move(&self, code: &str, new_parent: &str) -> Result<(), InvalidValue> {
        let kind = self.kind(code).ok_or_else(|| unknown(code))?;
        let parent_kind = self.kind(new_parent).ok_or_else(|| unknown(new_parent))?;
        if self.is_within(new_parent, code) {
            return Err(InvalidValue::new(
                Code::PartyMoveCycle,
                format!("{new_parent} lies under {code}: moving {code} there would make a cycle"),
            ));
        }
        if !parent_kind.may_hold(kind) {
            return Err(InvalidValue::new(
                Code::PartyParentKind,
                format!(
                    "a {} cannot stand under a {}",
                    kind.as_str(),
                    parent_kind.as_str()
                ),
            ));
        }
        Ok(())
    }

    /// Moves `code` under `new_parent` after [`Tree::check_move`].
    pub fn apply_move(&mut self, code: &str, new_parent: &str) -> Result<(), InvalidValue> {
        self.check_move(code, new_parent)?;
        self.parents.insert(code.to_owned(), new_parent.to_owned());
        Ok(())
    }

    /// The organisations directly under `code`.
    pub fn children<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.parents
            .iter()
            .filter(move |(_, p)| p.as_str() == code)
            .map(|(c, _)| c.as_str())
    }

    /// Checks that `code` may be dissolved: no organisation stands under
    /// it and none of its `members` remain (they must be moved first).
    pub fn check_dissolve(&self, code: &str, members: usize) -> Result<(), InvalidValue> {
        self.kind(code).ok_or_else(|| unknown(code))?;
        let children = self.children(code).count();
        if members > 0 || children > 0 {
            return Err(InvalidValue::new(
                Code::PartyDissolveNotEmpty,
                format!(
                    "{code} still has {members} member(s) and {children} organisation(s) under it; transfer or move them first"
                ),
            ));
        }
        Ok(())
    }

    fn cycle_through(&self, code: &str) -> bool {
        self.ancestors(code).skip(1).any(|c| c == code)
    }

    fn cycle_from(&self, code: &str) -> Vec<String> {
        let mut out = vec![code.to_owned()];
        for c in self.ancestors(code).skip(1) {
            out.push(c.to_owned());
            if c == code {
                break;
            }
        }
        out
    }
}

fn fault(r: &OrgRow, code: Code, message: String) -> TreeError {
    TreeError {
        line: r.line,
        code: r.code.clone(),
        error: InvalidValue::new(code, message),
    }
}

fn unknown(code: &str) -> InvalidValue {
    InvalidValue::new(
        Code::PartyParentUnknown,
        format!("no organisation has the code {code:?}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrgKind::*;
    use proptest::prelude::*;

    fn row(line: usize, code: &str, kind: OrgKind, parent: Option<&str>) -> OrgRow {
        OrgRow {
            line,
            code: code.to_owned(),
            kind,
            parent: parent.map(str::to_owned),
        }
    }

    fn street() -> Vec<OrgRow> {
        vec![
            row(2, "D", DistrictCommittee, None),
            row(3, "S", StreetWorkingCommittee, Some("D")),
            row(4, "N1", NeighbourhoodGeneralBranch, Some("S")),
            row(5, "N2", NeighbourhoodGeneralBranch, Some("S")),
            row(6, "B1", Branch, Some("N1")),
            row(7, "G1", Group, Some("B1")),
        ]
    }

    #[test]
    fn a_sound_tree_builds_and_knows_ancestry() {
        let t = Tree::build(&street()).expect("tree");
        assert_eq!(
            t.ancestors("G1").collect::<Vec<_>>(),
            ["G1", "B1", "N1", "S", "D"]
        );
        assert!(t.is_within("G1", "S"));
        assert!(!t.is_within("N2", "N1"));
    }

    #[test]
    fn every_bad_row_is_named_by_its_line_and_the_rest_is_not_blamed() {
        let mut rows = street();
        rows.push(row(8, "B2", Branch, Some("N9")));
        rows.push(row(9, "N1", NeighbourhoodGeneralBranch, Some("S")));
        rows.push(row(10, "S2", StreetWorkingCommittee, Some("B1")));
        rows.push(row(11, "X", Branch, Some("Y")));
        rows.push(row(12, "Y", Branch, Some("X")));
        let errors = Tree::build(&rows).expect_err("faults");
        let got: Vec<(usize, Code)> = errors.iter().map(|e| (e.line, e.error.code)).collect();
        assert_eq!(
            got,
            [
                (8, Code::PartyParentUnknown),
                (9, Code::PartyOrgDuplicate),
                (10, Code::PartyParentKind),
                (11, Code::PartyParentKind),
                (12, Code::PartyParentKind),
            ]
        );
        assert!(errors[1].to_string().contains("line 4"), "{}", errors[1]);
    }

    #[test]
    fn a_cycle_is_refused_with_its_path() {
        // A's edge is refused by kind (a group holds nothing); B and C
        // stand under kinds that may hold them, but their parents lead
        // back to themselves.
        let rows = vec![
            row(2, "A", NeighbourhoodGeneralBranch, Some("C")),
            row(3, "B", Branch, Some("A")),
            row(4, "C", Group, Some("B")),
        ];
        let errors = Tree::build(&rows).expect_err("cycle");
        let got: Vec<(usize, Code)> = errors.iter().map(|e| (e.line, e.error.code)).collect();
        assert_eq!(
            got,
            [
                (2, Code::PartyParentKind),
                (3, Code::PartyTreeCycle),
                (4, Code::PartyTreeCycle),
            ]
        );
        assert!(
            errors[1].to_string().contains("B → A → C → B"),
            "{}",
            errors[1]
        );
    }

    #[test]
    fn a_move_under_its_own_descendant_is_refused() {
        let mut t = Tree::build(&street()).expect("tree");
        let e = t.check_move("N1", "G1").expect_err("cycle");
        assert_eq!(e.code, Code::PartyMoveCycle);
        let e = t.check_move("N1", "N1").expect_err("itself");
        assert_eq!(e.code, Code::PartyMoveCycle);
        assert_eq!(t.check_move("B1", "S").map_err(|e| e.code), Ok(()));
        t.apply_move("B1", "N2").expect("move");
        assert!(t.is_within("G1", "N2"));
        assert_eq!(
            t.check_move("B1", "G1").expect_err("kind").code,
            Code::PartyMoveCycle
        );
    }

    #[test]
    fn dissolving_needs_members_and_organisations_moved_first() {
        let t = Tree::build(&street()).expect("tree");
        let e = t.check_dissolve("B1", 0).expect_err("G1 under it");
        assert!(e.message.contains("1 organisation"), "{e}");
        let e = t.check_dissolve("G1", 3).expect_err("members");
        assert_eq!(e.code, Code::PartyDissolveNotEmpty);
        assert!(e.message.contains("3 member"), "{e}");
        assert!(t.check_dissolve("G1", 0).is_ok());
    }

    proptest! {
        /// Any sequence of accepted moves keeps the tree a tree: every
        /// organisation's ancestors end at a root without repeating.
        #[test]
        fn accepted_moves_never_make_a_cycle(moves in prop::collection::vec((0usize..6, 0usize..6), 0..40)) {
            let rows = street();
            let codes: Vec<String> = rows.iter().map(|r| r.code.clone()).collect();
            let mut t = Tree::build(&rows).expect("tree");
            for (a, b) in moves {
                let _ = t.apply_move(&codes[a], &codes[b]);
                for c in &codes {
                    let chain: Vec<&str> = t.ancestors(c).collect();
                    let mut seen = std::collections::HashSet::new();
                    prop_assert!(chain.iter().all(|x| seen.insert(*x)), "cycle through {c}: {chain:?}");
                    prop_assert!(t.parent(chain[chain.len() - 1]).is_none());
                }
            }
        }
    }
}
