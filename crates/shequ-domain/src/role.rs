//! Roles and what each may see. The data scope (which part of the region
//! tree) is separate: it comes from the region a user is bound to.

use serde::{Deserialize, Serialize};

use crate::{Code, InvalidValue};

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the installation: users, tokens, configuration.
    Admin,
    /// Street command-centre operator (街道指挥中心).
    StreetOperator,
    /// Street cadre (街道干部) who receives work orders.
    Cadre,
    /// Grid worker (网格员) responsible for one grid.
    GridWorker,
    /// Neighbourhood Party secretary (居民区书记).
    NeighbourhoodSecretary,
    /// District organisation department (区委组织部).
    DistrictOrganiser,
}

/// A personal field that is masked unless revealed on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevealField {
    Phone,
    IdentityNumber,
}

impl RevealField {
    pub fn as_str(self) -> &'static str {
        match self {
            RevealField::Phone => "phone",
            RevealField::IdentityNumber => "identity_number",
        }
    }

    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        match s.trim() {
            "phone" => Ok(RevealField::Phone),
            "identity_number" => Ok(RevealField::IdentityNumber),
            other => Err(InvalidValue::new(
                Code::RevealFieldUnknown,
                format!("cannot reveal {other:?}; use phone or identity_number"),
            )),
        }
    }
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::StreetOperator,
        Role::Cadre,
        Role::GridWorker,
        Role::NeighbourhoodSecretary,
        Role::DistrictOrganiser,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::StreetOperator => "street_operator",
            Role::Cadre => "cadre",
            Role::GridWorker => "grid_worker",
            Role::NeighbourhoodSecretary => "neighbourhood_secretary",
            Role::DistrictOrganiser => "district_organiser",
        }
    }

    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                InvalidValue::new(
                    Code::RoleUnknown,
                    format!(
                        "unknown role {s:?}; use one of {}",
                        Self::ALL.map(Role::as_str).join(", ")
                    ),
                )
            })
    }

    /// Whether this role reads the resident registry at all. The district
    /// organisation department works with party organisations and coverage,
    /// not with residents, so it gets no access to personal records.
    pub fn reads_residents(self) -> bool {
        !matches!(self, Role::DistrictOrganiser)
    }

    /// Whether this role may unmask a field (each read is still logged).
    /// Phones are needed by everyone who visits or calls residents; the
    /// identity number only by those who verify registrations.
    pub fn may_reveal(self, field: RevealField) -> bool {
        match field {
            RevealField::Phone => matches!(
                self,
                Role::Admin
                    | Role::StreetOperator
                    | Role::Cadre
                    | Role::GridWorker
                    | Role::NeighbourhoodSecretary
            ),
            RevealField::IdentityNumber => matches!(
                self,
                Role::Admin | Role::StreetOperator | Role::NeighbourhoodSecretary
            ),
        }
    }

    /// Whether this role runs the street's operations: the work-order
    /// catalogue and routing, alert rules and door devices.
    pub fn runs_command_centre(self) -> bool {
        matches!(self, Role::Admin | Role::StreetOperator)
    }

    /// Whether this role sees party members (党员) of the organisations in
    /// its area. Membership is sensitive: grid workers and cadres, who
    /// visit residents for other reasons, see none of it.
    pub fn reads_party_members(self) -> bool {
        matches!(
            self,
            Role::Admin
                | Role::StreetOperator
                | Role::NeighbourhoodSecretary
                | Role::DistrictOrganiser
        )
    }

    /// Whether this role changes the party organisations of its area:
    /// creates, renames, moves and dissolves them, and handles transfers.
    pub fn manages_party(self) -> bool {
        self.reads_party_members()
    }

    /// Whether this role manages users and API tokens.
    pub fn manages_accounts(self) -> bool {
        matches!(self, Role::Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_reveal_rules() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        assert!(Role::parse("mayor").is_err());
        assert!(Role::GridWorker.may_reveal(RevealField::Phone));
        assert!(!Role::GridWorker.reads_party_members());
        assert!(Role::DistrictOrganiser.reads_party_members());
        assert!(!Role::GridWorker.may_reveal(RevealField::IdentityNumber));
        assert!(!Role::DistrictOrganiser.may_reveal(RevealField::Phone));
        assert!(!Role::DistrictOrganiser.reads_residents());
    }
}
