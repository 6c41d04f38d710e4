## party organisation: the tree, members, transfers
error-party_org_kind_unknown = There is no such kind of party organisation.
error-party_org_duplicate = That organisation code is already used.
error-party_parent_unknown = The parent organisation is unknown: list it first or check its code.
error-party_parent_kind = An organisation of this kind cannot stand under that parent.
error-party_tree_cycle = Its parents lead back to itself.
error-party_move_cycle = It cannot move under itself or one of its own organisations.
error-party_dissolve_not_empty = It still has members or organisations under it: transfer or move them first.
error-party_transfer_target = The member cannot be transferred to that organisation.
error-party_transfer_state = The transfer cannot take that step now.
error-party_membership_overlap = A member belongs to one organisation at a time: transfer them instead.
error-party_committee_seats = The committee's seats clash: one secretary at a time, one seat per person.
error-party_term_dates = A term must end after it starts.
error-party_member_dates = A conversion or the end of probation must come after the join date.
error-party_org_not_found = There is no such party organisation, or it was dissolved.
error-org_code_taken = That organisation code is already taken.
