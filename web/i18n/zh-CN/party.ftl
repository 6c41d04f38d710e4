## party organisation: the tree, members, transfers
error-party_org_kind_unknown = 没有这种党组织类型。
error-party_org_duplicate = 这个组织代码已经用过了。
error-party_parent_unknown = 找不到上级组织：请先导入上级，或核对代码。
error-party_parent_kind = 这类组织不能隶属于这个上级。
error-party_tree_cycle = 上级关系绕回了自己。
error-party_move_cycle = 不能移到自己或自己的下级之下。
error-party_dissolve_not_empty = 还有党员或下级组织：请先转出党员、移走下级组织。
error-party_transfer_target = 不能转到这个组织。
error-party_transfer_state = 组织关系转接当前不能这样办理。
error-party_membership_overlap = 一名党员同一时间只能属于一个组织：请办理转接。
error-party_committee_seats = 委员会的职务冲突：同一时间只能有一名书记，一人只能任一职。
error-party_term_dates = 任期的结束日期必须晚于开始日期。
error-party_member_dates = 转正或预备期满日期必须晚于入党日期。
error-party_org_not_found = 未找到这个党组织，或它已撤销。
error-org_code_taken = 这个组织代码已被使用。
